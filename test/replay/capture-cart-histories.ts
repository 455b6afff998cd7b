// Captures the cart workflow's replay histories (test/replay/histories/carts/*.json): one run
// through every message and timer (lines changed, a checkout refused out of stock, a checkout
// accepted, the reminder, idle expiry) and one run that ends in continue-as-new. Same rule as the
// other capture scripts: run it for new code paths, never to make a failing replay test pass.
// Usage: npx tsx test/replay/capture-cart-histories.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cartWorkflowId } from '../../workflows/carts/contract';
import globalSetup from '../support/global-setup';
import globalTeardown from '../support/global-teardown';
import { createProduct, eventually } from '../support/orders-fixtures';
import { startStack, type Stack } from '../support/stack';
import { historyToJson } from './history-json';

const DIR = path.resolve(__dirname, 'histories', 'carts');

async function save(stack: Stack, name: string, workflowId: string, runId?: string): Promise<void> {
  const history = await stack.api.temporal.workflow.getHandle(workflowId, runId).fetchHistory();
  mkdirSync(DIR, { recursive: true });
  writeFileSync(path.join(DIR, `${name}.json`), `${JSON.stringify(historyToJson(history), null, 2)}\n`);
  console.log(`carts/${name}: ${history.events?.length} events`);
}

async function main(): Promise<void> {
  await globalSetup();
  const stack = await startStack({
    env: { CART_REMINDER_AFTER_MS: '1500', CART_EXPIRY_MS: '6000' },
  });
  // A second gateway (the same workers) whose carts continue as new after 40 events.
  const bounded = await startStack({ domains: [], env: { CART_MAX_HISTORY_EVENTS: '40' } });
  try {
    const put = (token: string, productId: string, quantity: number, via = stack) =>
      via.request('PUT', `/api/cart/items/${productId}`, { token, body: { quantity } });

    // Every message and timer, to expiry.
    const c = await stack.customer('Replay');
    const a = await createProduct(stack, { stock: 5, priceCents: 300 });
    const b = await createProduct(stack, { stock: 1, priceCents: 200 });
    await put(c.token, a.id, 2);
    await put(c.token, b.id, 3);
    await put(c.token, a.id, 1);
    const shippingAddress = { name: 'Replay', line1: '1 Road', city: 'Town', postalCode: '1000', country: 'BE' };
    const refused = await stack.request('POST', '/api/cart/checkout', { token: c.token, body: { shippingAddress } });
    if (refused.status !== 409) throw new Error(`expected 409, got ${refused.status}`);
    await put(c.token, b.id, 0);
    await stack.smtp.waitFor((m) => m.to.includes(c.email) && m.header('Subject') === 'Your cart is waiting');
    const placed = await stack.request('POST', '/api/cart/checkout', {
      token: c.token,
      body: { shippingAddress },
      headers: { 'Idempotency-Key': 'replay-checkout' },
    });
    if (placed.status !== 201) throw new Error(`expected 201, got ${placed.status}`);
    await put(c.token, b.id, 1);
    await stack.request('DELETE', '/api/cart', { token: c.token });
    const handle = stack.api.temporal.workflow.getHandle(cartWorkflowId(c.id));
    await handle.result();
    await save(stack, 'cart-checkout-reminder-expiry', cartWorkflowId(c.id));

    // A run that continues as new.
    const d = await stack.customer('Replay CAN');
    for (let i = 1; i <= 8; i++) await put(d.token, a.id, i, bounded);
    const runId = await eventually(async () => {
      for await (const wf of stack.api.temporal.workflow.list({
        query: `WorkflowId = '${cartWorkflowId(d.id)}' AND ExecutionStatus = 'ContinuedAsNew'`,
      }))
        return wf.runId;
      return undefined;
    });
    await save(stack, 'cart-continued-as-new', cartWorkflowId(d.id), runId);
  } finally {
    await bounded.stop();
    await stack.stop();
    await globalTeardown();
  }
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
