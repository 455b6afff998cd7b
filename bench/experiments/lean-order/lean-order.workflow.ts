// The happy path of placeOrder (workflows/orders/place-order.workflow.ts) with fewer round trips
// through the Temporal server, to measure the proposal before anyone changes the orders code:
//  1. price + reserve in ONE catalog activity (was priceLines, then reserveStock);
//  2. openOrder as a LOCAL activity (was a regular activity: a task dispatch and a workflow task);
//  3. chargePayment stays a regular activity (it may take seconds, heartbeats, is cancellable,
//     and must not hold up the 201), raced against the payment-deadline timer as before;
//  4. PAID recorded by a LOCAL activity that also starts the e-mail workflow (was
//     recordTransition + a child workflow, which costs the parent two more workflow tasks).
// Same update (submitOrder) and query (getOrder), same search attributes, same order rows.
// Only the happy path: cancel, ship, declines and timeouts are not exercised by the benchmark.
import { ApplicationFailure, condition, proxyActivities, proxyLocalActivities, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { OrderActivities } from '../../../activities/orders/order.activities';
import type { PriceLinesResult } from '../../../workflows/catalog/contract';
import { CustomerIdSearchAttribute, OrderStatusSearchAttribute, OrderTotalCentsSearchAttribute, type OrderView, type PlaceOrderInput, getOrderQuery, submitOrderUpdate } from '../../../workflows/orders/contract';
import type { LeanActivities } from './lean-activities';

export const LEAN_ORDERS_TASK_QUEUE = 'bench-lean-orders';
export const LEAN_CATALOG_TASK_QUEUE = 'bench-lean-catalog';

const intake = proxyActivities<LeanActivities>({
  taskQueue: LEAN_CATALOG_TASK_QUEUE,
  startToCloseTimeout: '5s',
  scheduleToCloseTimeout: '30s',
  retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '2s', nonRetryableErrorTypes: ['UnknownProduct', 'OutOfStock', 'ValidationFailed'] },
});
const local = proxyLocalActivities<OrderActivities & LeanActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: ['InvalidTransition', 'ValidationFailed'] },
});
const payments = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30s',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s', nonRetryableErrorTypes: ['PaymentDeclined', 'PaymentCancelled'] },
});

export async function leanPlaceOrder(input: PlaceOrderInput): Promise<void> {
  const { orderId, userId } = input;
  let order: OrderView | null = null;
  let accepted: OrderView | null = null;
  let rejected: ApplicationFailure | null = null;

  setHandler(getOrderQuery, () => order);
  setHandler(
    submitOrderUpdate,
    async () => {
      await condition(() => accepted !== null || rejected !== null);
      if (rejected) throw rejected;
      return accepted!;
    },
    {
      validator: (request) => {
        if ((request?.requestHash ?? null) !== input.requestHash) throw ApplicationFailure.create({ type: 'IdempotencyKeyReused', message: 'key reused', nonRetryable: true });
      },
    },
  );
  const publish = () => {
    upsertSearchAttributes([
      { key: CustomerIdSearchAttribute, value: userId },
      { key: OrderStatusSearchAttribute, value: order!.status },
      { key: OrderTotalCentsSearchAttribute, value: order!.totalCents },
    ]);
    setCurrentDetails(`**${order!.status}**`);
  };

  let priced: PriceLinesResult;
  try {
    priced = await intake.priceAndReserve({ orderId, lines: input.lines });
  } catch (err) {
    rejected = ApplicationFailure.create({ type: 'OrderIntakeFailed', message: String((err as Error).message), nonRetryable: true });
    return;
  }
  order = await local.openOrder({ orderId, userId, lines: priced.lines, currency: priced.currency, paymentMethod: input.paymentMethod, requestHash: input.requestHash, createdAt: input.createdAt });
  accepted = order;
  publish();

  let chargeId: string | undefined;
  let settled = false;
  payments
    .chargePayment({ orderId, amountCents: order.totalCents, currency: order.currency, paymentMethod: input.paymentMethod })
    .then((r) => (chargeId = r.chargeId))
    .finally(() => (settled = true))
    .catch(() => undefined);
  await condition(() => settled, input.paymentTimeoutMs);
  if (!chargeId) throw ApplicationFailure.create({ message: 'the lean experiment covers the happy path only' });

  order = await local.recordTransitionAndNotify({
    transition: { orderId, from: 'PENDING', to: 'PAID', payment: { status: 'SUCCEEDED', chargeId }, failureReason: null, at: new Date().toISOString() },
    email: { template: 'order-paid', userId, data: {} },
  });
  publish();
  // Like placeOrder: a PAID order waits (weeks if need be) for shipOrder or cancelOrder.
  await condition(() => false);
}
