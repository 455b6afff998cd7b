// The placeOrder runs whose histories are committed under test/replay/histories (captured by
// test/replay/capture-order-histories.ts, replayed by test/integration/replay.test.ts). Each scenario
// drives one path through the workflow over HTTP (and, where an operator would, the Temporal
// client) and returns the order ID once its run has closed.
//
// The capture stack (CaptureContext) runs the catalog pool on its own so that a scenario can take
// it down, and the other pools reach MariaDB through a TCP proxy so that a scenario can cut the
// database; ORDER_PAYMENT_TIMEOUT_MS is 2000 (the payment-timeout scenario) and ROUTE_DEADLINE_MS
// 5000 (intake-failed expects the gateway's 503 well before intake's 30 s bound).
//
// A history file is never re-captured: the older ones record the behaviour of runs begun before
// a patch (e.g. rejected-out-of-stock: no release, before 'fenced-intake'), which replay must keep
// proving. A scenario whose path the new code takes differently gets a new name instead.
import { randomBytes, randomUUID } from 'node:crypto';
import { checkoutOrderIdFor, orderIdFor } from '../../api/orders/idempotency';
import { orderCommands } from '../../api/orders/orders.commands';
import { ProblemError } from '../../api/problem';
import { PaymentEntity } from '../../db/entities';
import { chargeKey } from '../../activities/orders/payment-provider';
import { cancelOrderUpdate } from '../../workflows/orders/contract';
import {
  createProduct,
  eventually,
  oneOf,
  orderHandle,
  paymentsOf,
  placeOrder,
  waitForStatus,
} from './orders-fixtures';
import { type Stack, startStack } from './stack';
import type { TcpProxy } from './tcp-proxy';

export const CAPTURE_PAYMENT_TIMEOUT_MS = 2000;

export interface CaptureContext {
  /** Gateway and the users, orders and notifications pools (database through `db`). */
  stack: Stack;
  /** Stops the catalog pool (intake and stock compensation wait for it). */
  stopCatalog(): Promise<void>;
  /** Starts the catalog pool again. */
  startCatalog(): Promise<void>;
  /** Between the pools of `stack` and MariaDB (the gateway connects directly). */
  db: TcpProxy;
}

type Scenario = (ctx: CaptureContext) => Promise<string>;

async function paidOrder(stack: Stack, token: string, paymentMethod?: string): Promise<string> {
  const p = await createProduct(stack, { stock: 1 });
  const placed = await placeOrder(stack, token, oneOf(p.id, 1, paymentMethod));
  if (placed.status !== 201) throw new Error(`place: ${placed.status}`);
  await waitForStatus(stack, token, placed.body.id, 'PAID');
  return placed.body.id;
}

/** The closed or running history's events, for scenarios that wait for a step. */
async function eventsOf(stack: Stack, orderId: string) {
  return (await orderHandle(stack, orderId).fetchHistory()).events ?? [];
}

const operatorCancelWhilePaid: Scenario = async ({ stack }) => {
  const c = await stack.customer();
  const id = await paidOrder(stack, c.token);
  await orderHandle(stack, id).cancel();
  await waitForStatus(stack, c.token, id, 'CANCELLED');
  return id;
};

const rejectedOutOfStock: Scenario = async ({ stack }) => {
  const c = await stack.customer();
  const p = await createProduct(stack, { stock: 0 });
  const key = randomUUID();
  const res = await placeOrder(stack, c.token, oneOf(p.id), { idempotencyKey: key });
  if (res.status !== 409) throw new Error(`expected 409, got ${res.status}`);
  const id = orderIdFor(c.id, key);
  await orderHandle(stack, id).result();
  return id;
};

/** visa → PAID → shipOrder → SHIPPED. */
const paidShipped: Scenario = async ({ stack }) => {
  const c = await stack.customer();
  const id = await paidOrder(stack, c.token);
  await stack.request('PUT', `/api/orders/${id}/ship`, { token: await stack.adminToken() });
  return id;
};

/** pm_card_chargeDeclined → FAILED (PAYMENT_DECLINED), stock released. */
const declined: Scenario = async ({ stack }) => {
  const c = await stack.customer();
  const p = await createProduct(stack, { stock: 1 });
  const placed = await placeOrder(stack, c.token, oneOf(p.id, 1, 'pm_card_chargeDeclined'));
  await waitForStatus(stack, c.token, placed.body.id, 'FAILED');
  return placed.body.id;
};

/** visa → PAID → cancelOrder → refund, release, CANCELLED. */
const cancelledAfterPayment: Scenario = async ({ stack }) => {
  const c = await stack.customer();
  const id = await paidOrder(stack, c.token);
  await stack.request('PUT', `/api/orders/${id}/cancel`, { token: c.token, body: { reason: 'changed my mind' } });
  return id;
};

/**
 * Catalog pool down → intake's 30 s bound passes (OrderIntakeFailed, 503 to the customer) → once
 * the catalog is back, the run's fence is released → the run FAILS (the key may start another).
 */
const intakeFailed: Scenario = async (ctx) => {
  const { stack } = ctx;
  const c = await stack.customer();
  const p = await createProduct(stack, { stock: 1 });
  const key = randomUUID();
  const id = orderIdFor(c.id, key);
  await ctx.stopCatalog();
  const res = await placeOrder(stack, c.token, oneOf(p.id), { idempotencyKey: key });
  if (res.status !== 503) throw new Error(`expected 503, got ${res.status}`);
  await eventually(
    async () => (await eventsOf(stack, id)).some((e) => e.activityTaskTimedOutEventAttributes),
    45_000,
    'the intake timeout',
  );
  await ctx.startCatalog();
  await orderHandle(stack, id)
    .result()
    .then(
      () => Promise.reject(new Error('expected the run to fail')),
      () => undefined,
    );
  return id;
};

export const REPLAY_SCENARIOS: Record<string, Scenario> = {
  'paid-shipped': paidShipped,
  declined,
  'cancelled-after-payment': cancelledAfterPayment,
  /** pm_card_slow → cancelOrder while the charge is in flight → the charge scope is cancelled, refund. */
  'cancelled-mid-charge': async ({ stack }) => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 1 });
    const placed = await placeOrder(stack, c.token, oneOf(p.id, 1, 'pm_card_slow'));
    await eventually(async () => (await paymentsOf(stack, placed.body.id)).length > 0, 10_000, 'the capture');
    await stack.request('PUT', `/api/orders/${placed.body.id}/cancel`, { token: c.token });
    return placed.body.id;
  },
  /** pm_card_unavailable → the payment deadline fires → auto-cancel, charge key closed. */
  'payment-timeout': async ({ stack }) => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 1 });
    const placed = await placeOrder(stack, c.token, oneOf(p.id, 1, 'pm_card_unavailable'));
    await waitForStatus(stack, c.token, placed.body.id, 'CANCELLED', 30_000);
    return placed.body.id;
  },
  /** visa → PAID → a Temporal cancellation request (Web UI / CLI) → refund, release, CANCELLED. */
  'operator-cancel': operatorCancelWhilePaid,
  /** Out of stock → 409, the run completes REJECTED (Idempotency-Key: the order ID is derivable). Before 'fenced-intake': nothing released. */
  'rejected-out-of-stock': rejectedOutOfStock,

  // ---- Captured with 'fenced-intake' (every run from then on records its patch marker) ----------

  /** As rejected-out-of-stock, fenced: the refusal releases whatever the run's fence holds, then REJECTED. */
  'rejected-out-of-stock-released': rejectedOutOfStock,
  'intake-failed': intakeFailed,
  /**
   * A non-retryable charge failure the workflow did not ask for (here the provider answers that the
   * charge key is closed: closed before the order) → system cancel (PAYMENT_ERROR): the charge key
   * is closed or refunded, stock released, CANCELLED.
   */
  'charge-failed': async ({ stack }) => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 1 });
    const key = randomUUID();
    const id = orderIdFor(c.id, key);
    await stack.workerDeps.dataSource.getRepository(PaymentEntity).insert({
      id: `vo_sandbox_${randomBytes(12).toString('hex')}`,
      idempotencyKey: chargeKey(id),
      orderId: id,
      kind: 'charge',
      outcome: 'cancelled',
      amountCents: 0,
      currency: 'USD',
      paymentMethod: 'none',
      declineCode: null,
      createdAt: new Date(),
    });
    const placed = await placeOrder(stack, c.token, oneOf(p.id), { idempotencyKey: key });
    if (placed.status !== 201) throw new Error(`place: ${placed.status}`);
    const order = await waitForStatus(stack, c.token, id, 'CANCELLED');
    if (order.failureReason !== 'PAYMENT_ERROR') throw new Error(`expected PAYMENT_ERROR, got ${order.failureReason}`);
    return id;
  },
  /**
   * visa → PAID → two cancel requests at once under different update IDs (the gateway's and an
   * operator's `temporal workflow update`): the second joins the first, one compensation.
   */
  'cancel-joined': async ({ stack }) => {
    const c = await stack.customer();
    const id = await paidOrder(stack, c.token);
    await Promise.all([
      stack.request('PUT', `/api/orders/${id}/cancel`, { token: c.token, body: { reason: 'changed my mind' } }),
      orderHandle(stack, id).executeUpdate(cancelOrderUpdate, {
        args: [{ actor: 'admin', reason: 'duplicate order' }],
        updateId: `operator-cancel-${randomUUID()}`,
      }),
    ]);
    const accepted = (await eventsOf(stack, id)).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    // submitOrder and the two cancels.
    if (accepted.length !== 3) throw new Error(`expected 3 accepted updates, got ${accepted.length}`);
    return id;
  },
  /**
   * A Temporal cancellation request while intake waits for the catalog → once priced and opened,
   * the order is cancelled by the system (WORKFLOW_CANCELLED) before any charge: release, CANCELLED.
   */
  'operator-cancel-during-intake': async (ctx) => {
    const { stack } = ctx;
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 1 });
    const key = randomUUID();
    const id = orderIdFor(c.id, key);
    await ctx.stopCatalog();
    const placing = placeOrder(stack, c.token, oneOf(p.id), { idempotencyKey: key });
    await eventually(
      async () => (await eventsOf(stack, id).catch(() => [])).some((e) => e.activityTaskScheduledEventAttributes),
      10_000,
      'the intake',
    );
    await orderHandle(stack, id).cancel();
    await eventually(
      async () => (await eventsOf(stack, id)).some((e) => e.workflowExecutionCancelRequestedEventAttributes),
      10_000,
      'the cancellation request',
    );
    await ctx.startCatalog();
    await placing;
    const order = await waitForStatus(stack, c.token, id, 'CANCELLED');
    if (order.failureReason !== 'WORKFLOW_CANCELLED')
      throw new Error(`expected WORKFLOW_CANCELLED, got ${order.failureReason}`);
    return id;
  },
  /** As operator-cancel, fenced: visa → PAID → a Temporal cancellation request → refund, release, CANCELLED. */
  'operator-cancel-while-paid': operatorCancelWhilePaid,
  /**
   * pm_card_flaky: two transient failures, a capture whose answer is lost, then the ledger's
   * answer (the activity's own retries) → PAID → shipped.
   */
  'flaky-card': async ({ stack }) => {
    // The retries outlast the capture gateway's 2 s payment deadline: a gateway with the default one.
    const gateway = await startStack({ domains: [] });
    try {
      const c = await gateway.customer();
      const id = await paidOrder(gateway, c.token, 'pm_card_flaky');
      await gateway.request('PUT', `/api/orders/${id}/ship`, { token: await stack.adminToken() });
      return id;
    } finally {
      await gateway.stop();
    }
  },
  /**
   * visa → PAID → the database cut → shipOrder: the SHIPPED write fails its local attempts and is
   * scheduled as an ordinary activity, which succeeds once the database is back.
   */
  'order-write-fallback': async ({ stack, db }) => {
    const c = await stack.customer();
    const id = await paidOrder(stack, c.token);
    const admin = await stack.adminToken();
    db.cut('reset');
    try {
      // The gateway (direct to the database) takes the request; the answer comes past its deadline.
      await stack.request('PUT', `/api/orders/${id}/ship`, { token: admin });
      await eventually(
        async () =>
          (await eventsOf(stack, id)).some(
            (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordTransition',
          ),
        30_000,
        'the fallback to an ordinary activity',
      );
    } finally {
      db.restore();
    }
    await orderHandle(stack, id).result();
    return id;
  },

  // ---- Captured with 'integration-events' (each write followed by its publishEvent) -------------

  /** As paid-shipped: order.accepted, order.paid, order.shipped, the run closing once they are confirmed. */
  'events-paid-shipped': paidShipped,
  /** As declined: order.accepted, order.payment_failed. */
  'events-declined': declined,
  /** As cancelled-after-payment: order.accepted, order.paid, order.cancelled (refunded). */
  'events-cancelled-after-payment': cancelledAfterPayment,
  /** As rejected-out-of-stock-released: order.rejected through a publishIntegrationEvent child. */
  'events-rejected-out-of-stock': rejectedOutOfStock,
  /** As intake-failed: a transient intake failure is no final answer, so no order.rejected. */
  'events-intake-failed': intakeFailed,

  // ---- Captured with 'checkout-expired-not-final' -------------------------------------------------

  /**
   * A cart checkout's order started past its placeBy (a gateway stalled past the cart's deadline)
   * → refused before intake (409 CHECKOUT_EXPIRED, nothing reserved) → the run FAILS without an
   * order.rejected, so the key may place the order in a new run for a newer checkout.
   */
  'checkout-expired': async ({ stack }) => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 1 });
    const orderId = checkoutOrderIdFor(c.id, randomUUID());
    const refused = await orderCommands(stack.api)
      .place({
        userId: c.id,
        requestId: randomUUID(),
        request: { items: [{ productId: p.id, quantity: 1 }], paymentMethod: 'pm_card_visa' },
        orderId,
        placeBy: new Date(Date.now() - 1000).toISOString(),
      })
      .then(
        () => 'placed',
        (err: unknown) => (err instanceof ProblemError ? err.code : String(err)),
      );
    if (refused !== 'CHECKOUT_EXPIRED') throw new Error(`expected CHECKOUT_EXPIRED, got ${refused}`);
    await orderHandle(stack, orderId)
      .result()
      .then(
        () => Promise.reject(new Error('expected the run to fail')),
        () => undefined,
      );
    return orderId;
  },
};
