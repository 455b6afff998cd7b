// The payment deadline (ORDER_PAYMENT_TIMEOUT_MS, 2 s here): a PENDING order whose payment
// does not complete in time is cancelled by the workflow itself, refunding anything captured.
import type { OrderView } from '../../workflows/orders/contract';
import {
  createProduct,
  oneOf,
  orderHandle,
  paymentsOf,
  placeOrder,
  stockOf,
  waitForOrder,
} from '../support/orders-fixtures';
import { type Stack, startStack } from '../support/stack';

const TIMEOUT_MS = 2000;
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { ORDER_PAYMENT_TIMEOUT_MS: String(TIMEOUT_MS) } });
});
afterAll(async () => {
  await stack?.stop();
});

const settled = (o: OrderView) => o.status !== 'PENDING';

it('cancels an order whose payment never completes (provider down): nothing captured, the charge key closed', async () => {
  const c = await stack.customer();
  const p = await createProduct(stack, { stock: 2 });
  const placed = await placeOrder(stack, c.token, oneOf(p.id, 2, 'pm_card_unavailable'));
  expect(placed.status).toBe(201);
  const started = Date.now();
  const final = await waitForOrder(stack, c.token, placed.body.id, settled, 20_000);
  expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 500);
  expect(final).toMatchObject({
    status: 'CANCELLED',
    failureReason: 'PAYMENT_TIMEOUT',
    payment: { status: 'CANCELLED' },
  });
  expect(await stockOf(stack, p.id)).toBe(2);
  expect((await paymentsOf(stack, placed.body.id)).map((x) => [x.kind, x.outcome])).toEqual([['charge', 'cancelled']]);
  const mail = await stack.smtp.waitFor(
    (m) => m.to.includes(c.email) && m.header('Subject') === `Order ${placed.body.id} cancelled`,
  );
  expect(mail.raw).not.toContain('refunded');
  // The deadline is a durable timer in the history, with a summary for the Web UI.
  const history = await orderHandle(stack, placed.body.id).fetchHistory();
  expect(history.events!.some((e) => e.timerFiredEventAttributes)).toBe(true);
});

it('cancels and refunds an order whose charge captured but answered too late', async () => {
  const c = await stack.customer();
  const p = await createProduct(stack, { stock: 1 });
  const placed = await placeOrder(stack, c.token, oneOf(p.id, 1, 'pm_card_slow'));
  expect(placed.status).toBe(201);
  const final = await waitForOrder(stack, c.token, placed.body.id, settled, 20_000);
  expect(final).toMatchObject({
    status: 'CANCELLED',
    failureReason: 'PAYMENT_TIMEOUT',
    payment: { status: 'REFUNDED', chargeId: expect.any(String), refundId: expect.any(String) },
  });
  const payments = await paymentsOf(stack, placed.body.id);
  expect(payments.map((x) => [x.kind, x.outcome])).toEqual([
    ['charge', 'succeeded'],
    ['refund', 'succeeded'],
  ]);
  expect(await stockOf(stack, p.id)).toBe(1);
  const mail = await stack.smtp.waitFor(
    (m) => m.to.includes(c.email) && m.header('Subject') === `Order ${placed.body.id} cancelled`,
  );
  expect(mail.raw).toContain('has been refunded');
});

it('leaves an order paid in time alone once the deadline has passed', async () => {
  const c = await stack.customer();
  const p = await createProduct(stack, { stock: 1 });
  const placed = await placeOrder(stack, c.token, oneOf(p.id));
  await waitForOrder(stack, c.token, placed.body.id, (o) => o.status === 'PAID');
  await new Promise((r) => setTimeout(r, TIMEOUT_MS + 500));
  const now = (await stack.request<OrderView>('GET', `/api/orders/${placed.body.id}`, { token: c.token })).body;
  expect(now.status).toBe('PAID');
  expect(await paymentsOf(stack, placed.body.id)).toHaveLength(1);
  await stack.request('PUT', `/api/orders/${placed.body.id}/ship`, { token: await stack.adminToken() });
});
