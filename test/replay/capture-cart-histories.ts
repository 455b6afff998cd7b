// Captures the cart workflow's replay histories (test/replay/histories/carts/*.json): one run
// through every message and timer (lines changed, a checkout refused out of stock, a checkout
// accepted, the reminder, idle expiry), one run that ends in continue-as-new, and one run through
// the pending checkout (a checkout refused while another is under way, a repeat that joins it, a
// gateway lost after the order, settled by the cart past its deadline; an order refused at the
// reservation that releases the cart; a stalled checkout that never placed its order), and the
// same through the checkout fence (pending-checkout-fenced: placeBy handed out, settled past its
// margin; pending-checkout itself was recorded before the fence), and once more with checkout
// tokens (pending-checkout-token: each pending checkout draws its token, which the releases,
// completions and the settle's look-up carry). Same rule
// as the other capture scripts: run it for new code paths, never to make a failing replay test
// pass, and name the histories to capture so the ones recorded by older code stay as they were.
// Usage: npx tsx test/replay/capture-cart-histories.ts [checkout-reminder-expiry] [continued-as-new] [pending-checkout] [pending-checkout-fenced] [pending-checkout-token]
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkoutRequest } from '../../api/carts/carts.commands';
import { ProductEntity } from '../../db/entities';
import { cartWorkflowId, checkoutUpdate } from '../../workflows/carts/contract';
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

/** The gateway of `s` dies right after the order is accepted: its next completeCheckout is lost. */
function loseNextCompletion(s: Stack): void {
  const client = s.api.temporal.workflow;
  const original = client.executeUpdateWithStart;
  client.executeUpdateWithStart = function (this: unknown, ...args: Parameters<typeof original>) {
    if ((args[0] as { name?: string }).name !== 'completeCheckout') return original.apply(client, args);
    client.executeUpdateWithStart = original;
    return Promise.reject(new Error('capture: the gateway died before the cart heard of the order'));
  } as typeof original;
}

const expectStatus = (what: string, got: number, want: number) => {
  if (got !== want) throw new Error(`${what}: expected ${want}, got ${got}`);
};

async function main(): Promise<void> {
  const all = [
    'checkout-reminder-expiry',
    'continued-as-new',
    'pending-checkout',
    'pending-checkout-fenced',
    'pending-checkout-token',
  ];
  const only = process.argv.slice(2);
  for (const name of only)
    if (!all.includes(name)) throw new Error(`unknown history ${name}: one of ${all.join(', ')}`);
  const wanted = (name: string) => !only.length || only.includes(name);
  await globalSetup();
  const stack = await startStack({
    env: { CART_REMINDER_AFTER_MS: '1500', CART_EXPIRY_MS: '6000' },
  });
  // A second gateway (the same workers) whose carts continue as new after 40 events.
  const bounded = await startStack({ domains: [], env: { CART_MAX_HISTORY_EVENTS: '40' } });
  // A third whose carts settle a pending checkout after 2 s and expire after 8 s idle.
  const settling = await startStack({
    domains: [],
    env: {
      CART_CHECKOUT_PENDING_MS: '2000',
      CART_CHECKOUT_SETTLE_MARGIN_MS: '1000',
      CART_EXPIRY_MS: '8000',
      CART_REMINDER_AFTER_MS: '600000',
    },
  });
  try {
    const put = (token: string, productId: string, quantity: number, via = stack) =>
      via.request('PUT', `/api/cart/items/${productId}`, { token, body: { quantity } });

    const a = await createProduct(stack, { stock: 5, priceCents: 300 });
    const b = await createProduct(stack, { stock: 1, priceCents: 200 });
    const shippingAddress = { name: 'Replay', line1: '1 Road', city: 'Town', postalCode: '1000', country: 'BE' };

    if (wanted('checkout-reminder-expiry')) {
      // Every message and timer, to expiry.
      const c = await stack.customer('Replay');
      await put(c.token, a.id, 2);
      await put(c.token, b.id, 3);
      await put(c.token, a.id, 1);
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
    }

    if (wanted('continued-as-new')) {
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
    }

    for (const name of ['pending-checkout', 'pending-checkout-fenced', 'pending-checkout-token']) {
      if (!wanted(name)) continue;
      const e = await settling.customer(`Replay ${name}`);
      const plenty = await createProduct(stack, { stock: 50, priceCents: 100 });
      const scarce = await createProduct(stack, { stock: 5, priceCents: 100 });
      const checkout = (key?: string, address = shippingAddress) =>
        settling.request('POST', '/api/cart/checkout', {
          token: e.token,
          body: { shippingAddress: address },
          headers: key ? { 'Idempotency-Key': key } : {},
        });
      const cartItems = async () => (await settling.request('GET', '/api/cart', { token: e.token })).body.items.length;
      const cart = settling.api.temporal.workflow.getHandle(cartWorkflowId(e.id));
      await put(e.token, plenty.id, 2, settling);
      // A keyed checkout whose gateway is lost after the order; another key meanwhile is refused;
      // the repeat joins it and completes it.
      loseNextCompletion(settling);
      expectStatus('keyed checkout', (await checkout('pending-1')).status, 201);
      expectStatus('another key while pending', (await checkout('pending-2')).status, 409);
      expectStatus('the repeat', (await checkout('pending-1')).status, 201);
      // Unkeyed, lost again, no repeat: the cart settles it past its deadline (the order is there).
      await put(e.token, plenty.id, 1, settling);
      loseNextCompletion(settling);
      expectStatus('unkeyed checkout', (await checkout()).status, 201);
      await eventually(async () => (await cartItems()) === 0, 20_000, 'the cart settles the accepted order');
      // Refused at the reservation (stock gone after the cart's check): the cart is released.
      await put(e.token, scarce.id, 3, settling);
      await cart.executeUpdate(checkoutUpdate, {
        args: [
          checkoutRequest({ userId: e.id, paymentMethod: 'pm_card_visa', shippingAddress, idempotencyKey: 'sold' }),
        ],
      });
      await stack.workerDeps.dataSource.getRepository(ProductEntity).update({ id: scarce.id }, { stock: 1 });
      expectStatus('out of stock at the reservation', (await checkout('sold')).status, 409);
      // A stalled checkout that never placed its order: settled as none, the cart free again.
      await put(e.token, scarce.id, 1, settling);
      await cart.executeUpdate(checkoutUpdate, {
        args: [checkoutRequest({ userId: e.id, paymentMethod: 'pm_card_visa', shippingAddress })],
      });
      await eventually(
        async () => (await checkout('after-stall')).status === 201,
        20_000,
        'the cart frees itself from the stalled checkout',
      );
      await cart.result();
      await save(stack, `cart-${name}`, cartWorkflowId(e.id));
    }
  } finally {
    await settling.stop();
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
