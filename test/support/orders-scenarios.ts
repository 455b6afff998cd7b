// The placeOrder runs whose histories are committed under test/replay/histories (captured by
// test/replay/capture-order-histories.ts, replayed by test/integration/replay.test.ts). Each scenario
// drives one path through the workflow over HTTP and returns the order ID once its run has closed.
// The capture stack runs with ORDER_PAYMENT_TIMEOUT_MS=2000 (the payment-timeout scenario).
import { randomUUID } from 'node:crypto';
import { orderIdFor } from '../../api/orders/idempotency';
import {
  createProduct,
  eventually,
  oneOf,
  orderHandle,
  paymentsOf,
  placeOrder,
  waitForStatus,
} from './orders-fixtures';
import type { Stack } from './stack';

export const CAPTURE_PAYMENT_TIMEOUT_MS = 2000;

type Scenario = (stack: Stack) => Promise<string>;

async function paidOrder(stack: Stack, token: string): Promise<string> {
  const p = await createProduct(stack, { stock: 1 });
  const placed = await placeOrder(stack, token, oneOf(p.id));
  if (placed.status !== 201) throw new Error(`place: ${placed.status}`);
  await waitForStatus(stack, token, placed.body.id, 'PAID');
  return placed.body.id;
}

export const REPLAY_SCENARIOS: Record<string, Scenario> = {
  /** visa → PAID → shipOrder → SHIPPED. */
  'paid-shipped': async (stack) => {
    const c = await stack.customer();
    const id = await paidOrder(stack, c.token);
    await stack.request('PUT', `/api/orders/${id}/ship`, { token: await stack.adminToken() });
    return id;
  },
  /** pm_card_chargeDeclined → FAILED (PAYMENT_DECLINED), stock released. */
  declined: async (stack) => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 1 });
    const placed = await placeOrder(stack, c.token, oneOf(p.id, 1, 'pm_card_chargeDeclined'));
    await waitForStatus(stack, c.token, placed.body.id, 'FAILED');
    return placed.body.id;
  },
  /** visa → PAID → cancelOrder → refund, release, CANCELLED. */
  'cancelled-after-payment': async (stack) => {
    const c = await stack.customer();
    const id = await paidOrder(stack, c.token);
    await stack.request('PUT', `/api/orders/${id}/cancel`, { token: c.token, body: { reason: 'changed my mind' } });
    return id;
  },
  /** pm_card_slow → cancelOrder while the charge is in flight → the charge scope is cancelled, refund. */
  'cancelled-mid-charge': async (stack) => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 1 });
    const placed = await placeOrder(stack, c.token, oneOf(p.id, 1, 'pm_card_slow'));
    await eventually(async () => (await paymentsOf(stack, placed.body.id)).length > 0, 10_000, 'the capture');
    await stack.request('PUT', `/api/orders/${placed.body.id}/cancel`, { token: c.token });
    return placed.body.id;
  },
  /** pm_card_unavailable → the payment deadline fires → auto-cancel, charge key closed. */
  'payment-timeout': async (stack) => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 1 });
    const placed = await placeOrder(stack, c.token, oneOf(p.id, 1, 'pm_card_unavailable'));
    await waitForStatus(stack, c.token, placed.body.id, 'CANCELLED', 30_000);
    return placed.body.id;
  },
  /** visa → PAID → a Temporal cancellation request (Web UI / CLI) → refund, release, CANCELLED. */
  'operator-cancel': async (stack) => {
    const c = await stack.customer();
    const id = await paidOrder(stack, c.token);
    await orderHandle(stack, id).cancel();
    await waitForStatus(stack, c.token, id, 'CANCELLED');
    return id;
  },
  /** Out of stock → 409, the run completes REJECTED (Idempotency-Key: the order ID is derivable). */
  'rejected-out-of-stock': async (stack) => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 0 });
    const key = randomUUID();
    const res = await placeOrder(stack, c.token, oneOf(p.id), { idempotencyKey: key });
    if (res.status !== 409) throw new Error(`expected 409, got ${res.status}`);
    const id = orderIdFor(c.id, key);
    await orderHandle(stack, id).result();
    return id;
  },
};
