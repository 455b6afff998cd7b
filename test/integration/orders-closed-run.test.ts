// A cancel the order's run had taken, when an operator then terminates the run before it has
// answered (here: the run waits on the stock release, whose catalog pool is down): the server
// fails the update with "the workflow completed before the update completed", which is no
// business refusal. The answer is 409 ORDER_PROCESS_CLOSED from the row, as for a run that was
// already gone, not 500.
import { orderWorkflowId } from '../../workflows/orders/contract';
import { createProduct, oneOf, placeOrder, waitForOrder } from '../support/orders-fixtures';
import { type Stack, startStack } from '../support/stack';

let full: Stack;
let ordersOnly: Stack | undefined;
afterAll(async () => {
  await ordersOnly?.stop();
  await full?.stop();
});

it('answers 409 ORDER_PROCESS_CLOSED when the run is terminated under an accepted cancel', async () => {
  full = await startStack();
  const c = await full.customer();
  const product = await createProduct(full, { stock: 5 });
  const placed = await placeOrder(full, c.token, oneOf(product.id));
  expect(placed.status).toBe(201);
  await waitForOrder(full, c.token, placed.body.id, (o) => o.status === 'PAID');
  // Only the orders pool from here on: the cancel is taken and refunded, then waits on the catalog.
  await full.stopWorkers();
  ordersOnly = await startStack({ domains: ['orders'] });

  const handle = full.api.temporal.workflow.getHandle(orderWorkflowId(placed.body.id));
  const cancel = full.request('PUT', `/api/orders/${placed.body.id}/cancel`, { token: c.token });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const events = (await handle.fetchHistory()).events ?? [];
    const released = events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'releaseStock');
    if (released) break;
    if (Date.now() > deadline) throw new Error('the cancel never reached the stock release');
    await new Promise((r) => setTimeout(r, 100));
  }
  await handle.terminate('operator test: terminated under a cancel');

  const res = await cancel;
  expect([res.status, res.body.code]).toEqual([409, 'ORDER_PROCESS_CLOSED']);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
}, 120_000);
