// A transient intake failure is never a key's final answer: with the catalog pool down, a keyed
// order's intake times out (OrderIntakeFailed: the run releases whatever it may hold and fails);
// once the catalog is back, the same request with the same Idempotency-Key starts the key's
// next run and places the order, and every later repeat (even concurrent ones) replays that
// order instead of starting another run.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { orderIdFor } from '../../api/orders/idempotency';
import { orderWorkflowId } from '../../workflows/orders/contract';
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
  // whatever a timed-out attempt may have reserved, and fails with OrderIntakeFailed.
  await new Promise((r) => setTimeout(r, Math.max(0, 32_000 - (Date.now() - started))));
  catalog = await startStack({ domains: ['catalog'] });
  const workflowId = orderWorkflowId(orderIdFor(c.id, key));
  const failed = await stack.api.temporal.workflow
    .getHandle(workflowId)
    .result()
    .catch((err: unknown) => err);
  expect(failed).toBeInstanceOf(WorkflowFailedError);
  expect((failed as WorkflowFailedError).cause).toMatchObject({ type: 'OrderIntakeFailed' });
  expect(await stockOf(stack, p.id)).toBe(3);

  // Another body with the key is still a reused key, even though no answer was kept.
  const other = await placeOrder(stack, c.token, oneOf(p.id, 1), { idempotencyKey: key });
  expect([other.status, other.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);

  const retried = await placeOrder(stack, c.token, oneOf(p.id, 2), { idempotencyKey: key });
  expect([retried.status, retried.body.code, retried.body.detail]).toEqual([201, undefined, undefined]);
  expect(retried.body).toMatchObject({ status: 'PENDING', totalCents: expect.any(Number) });
  expect(await stockOf(stack, p.id)).toBe(1);

  const repeats = await Promise.all(
    Array.from({ length: 4 }, () => placeOrder(stack, c.token, oneOf(p.id, 2), { idempotencyKey: key })),
  );
  expect(repeats.map((r) => [r.status, r.body.id])).toEqual(repeats.map(() => [201, retried.body.id]));
  expect(await stockOf(stack, p.id)).toBe(1);
  const runs: string[] = [];
  for await (const run of stack.api.temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
    runs.push(run.runId);
  expect(runs).toHaveLength(2);
}, 150_000);
