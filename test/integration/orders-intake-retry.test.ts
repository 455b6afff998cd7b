// A transient intake failure is never a key's final answer: with the catalog pool down, a keyed
// order's intake times out (OrderIntakeFailed, nothing kept reserved); once the catalog is back,
// the same request with the same Idempotency-Key places the order.
import { randomUUID } from 'node:crypto';
import { orderWorkflowId } from '../../workflows/orders/contract';
import { orderIdFor } from '../../api/orders/idempotency';
import { createProduct, oneOf, placeOrder, stockOf } from '../support/orders-fixtures';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;
let catalog: Stack | undefined;
beforeAll(async () => {
  stack = await startStack({ domains: ['users', 'orders', 'notifications'], env: { ROUTE_DEADLINE_MS: '3000' } });
});
afterAll(async () => {
  await catalog?.stop();
  await stack?.stop();
});

it('places the order on a retry with the same key after the intake failed for want of a catalog', async () => {
  const c = await stack.customer();
  const p = await createProduct(stack, { stock: 3 });
  const key = `intake-${randomUUID()}`;
  const started = Date.now();
  const first = await placeOrder(stack, c.token, oneOf(p.id, 2), { idempotencyKey: key });
  expect(first.status).toBe(503);

  // The run gives up on the catalog (intake's 30 s bound); once the catalog is back it releases
  // whatever a timed-out attempt may have reserved, and closes with OrderIntakeFailed.
  await new Promise((r) => setTimeout(r, Math.max(0, 32_000 - (Date.now() - started))));
  catalog = await startStack({ domains: ['catalog'] });
  const run = stack.api.temporal.workflow.getHandle(orderWorkflowId(orderIdFor(c.id, key)));
  const result = await run.result();
  expect(result).toMatchObject({ outcome: 'REJECTED', rejection: { type: 'OrderIntakeFailed' } });
  expect(await stockOf(stack, p.id)).toBe(3);
  const retried = await placeOrder(stack, c.token, oneOf(p.id, 2), { idempotencyKey: key });
  expect([retried.status, retried.body.code, retried.body.detail]).toEqual([201, undefined, undefined]);
  expect(retried.body).toMatchObject({ status: 'PENDING', totalCents: expect.any(Number) });
  const again = await placeOrder(stack, c.token, oneOf(p.id, 2), { idempotencyKey: key });
  expect([again.status, again.body.id, again.headers.get('idempotent-replayed')]).toEqual([
    201,
    retried.body.id,
    'true',
  ]);
}, 150_000);
