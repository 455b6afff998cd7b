// placeOrder: one durable workflow per order (ID `order-<orderId>`), from the request to
// SHIPPED, CANCELLED or FAILED. The main function reads as the business
// process; the update handlers only decide (with the pure state machine in order-state.ts)
// and record an intent, which the main function carries out. That keeps every side effect in
// one sequential place: no two handlers ever compensate at once.
//
// A Temporal cancellation request (the Web UI's "Request cancellation", `temporal workflow
// cancel`) is honoured like a cancelOrder from the system: the process runs in a
// non-cancellable scope, so it is never abandoned halfway with stock held or money captured.
//
// History stays small and bounded (27 events for a paid order, 35 once shipped: a handful of
// activities, timers and updates; repeated requests are deduplicated by update ID and answered
// by the gateway from the order row once it exists), so the workflow never needs
// continue-as-new, even when an order waits weeks for shipment.
//
// Every trip through the Temporal server costs the customer latency and the server CPU, so the
// order path takes as few as it can (ORDER_PATH_V2, measured in bench/README.md): intake is one
// catalog activity, writes of the order row and e-mail hand-offs are local activities of this
// pool (short, local, idempotent), and only the charge and the stock compensation are
// scheduled through the server. Orders started before that change replay the steps they
// recorded (`patched`); drop the old path with `deprecatePatch` once none are open.
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  type RetryPolicy,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { StockActivities } from '../../activities/catalog/stock.activities';
import type { OrderActivities } from '../../activities/orders/order.activities';
import { CATALOG_TASK_QUEUE, type PriceLinesResult } from '../catalog/contract';
import {
  type EmailTemplate,
  NOTIFICATIONS_TASK_QUEUE,
  orderEmailKey,
  orderEmailWorkflowId,
} from '../notifications/contract';
import type { sendEmail } from '../notifications/send-email.workflow';
import { FailureType } from '../shared/failures';
import {
  type CancelOrderRequest,
  CustomerIdSearchAttribute,
  OrderFailureReason,
  OrderFailureType,
  type OrderRejection,
  OrderStatusSearchAttribute,
  INTAKE_REJECTIONS,
  ORDER_PATH_V2,
  OrderTotalCentsSearchAttribute,
  type OrderView,
  type PlaceOrderInput,
  type PlaceOrderResult,
  cancelOrderUpdate,
  getOrderQuery,
  shipOrderUpdate,
  submitOrderUpdate,
} from './contract';
import {
  type ChargeOutcome,
  type Decision,
  type OrderEvent,
  type OrderState,
  decideCancel,
  decideShip,
  eventAfterCharge,
  initialOrderState,
  transition,
} from './order-state';

const DEFAULT_PAYMENT_TIMEOUT_MS = 15 * 60_000;

// Intake runs while the customer waits for the HTTP answer, so it is bounded: if the catalog
// cannot price and reserve within 30 s, the request is refused rather than left hanging.
const intake = proxyActivities<StockActivities>({
  taskQueue: CATALOG_TASK_QUEUE,
  startToCloseTimeout: '5s',
  scheduleToCloseTimeout: '30s',
  retry: {
    initialInterval: '100ms',
    backoffCoefficient: 2,
    maximumInterval: '2s',
    nonRetryableErrorTypes: [...INTAKE_REJECTIONS],
  },
});

// Compensation must happen whatever the outage: retried without an attempt limit.
const compensation = proxyActivities<StockActivities>({
  taskQueue: CATALOG_TASK_QUEUE,
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '1m' },
});

// The read model: a database outage is waited out; a stray status is a bug, not retried.
const READ_MODEL_RETRY: RetryPolicy = {
  initialInterval: '200ms',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  nonRetryableErrorTypes: [FailureType.InvalidTransition, FailureType.ValidationFailed],
};
const readModel = proxyActivities<OrderActivities>({ startToCloseTimeout: '10s', retry: READ_MODEL_RETRY });
// The same writes, and the e-mail hand-off, as local activities (ORDER_PATH_V2): one short
// database or Temporal call each, run by this worker inside the workflow task. Past a minute
// of retries (an outage) the SDK waits on durable timers between attempts.
const local = proxyLocalActivities<OrderActivities>({ startToCloseTimeout: '10s', retry: READ_MODEL_RETRY });

// The charge is retried without an attempt limit: the payment deadline (a workflow timer)
// bounds it, and then cancels it. Heartbeats make a crashed worker visible within 5 s, and
// WAIT_CANCELLATION_COMPLETED means a cancelled charge has really stopped before we refund.
const payments = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30s',
  heartbeatTimeout: '5s',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '200ms',
    backoffCoefficient: 2,
    maximumInterval: '10s',
    nonRetryableErrorTypes: [FailureType.PaymentDeclined, OrderFailureType.PaymentCancelled],
  },
});

// Refunds give money back: retried until they succeed.
const refunds = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '1m' },
});

interface ChargeAttempt {
  outcome: ChargeOutcome;
  /** False when a cancel came before the charge was ever scheduled (nothing to refund or close). */
  attempted: boolean;
  chargeId?: string;
}

export async function placeOrder(input: PlaceOrderInput): Promise<PlaceOrderResult> {
  const { orderId, userId } = input;
  let state: OrderState = initialOrderState();
  /** The order row as last written (what GET /api/orders/:id shows); null before acceptance. */
  let order: OrderView | null = null;
  /** The answer to submitOrder: the order as accepted. */
  let accepted: OrderView | null = null;
  let rejection: OrderRejection | null = null;
  /** True once the final state is written, compensation done and the e-mail handed off. */
  let settled = false;
  let chargeScope: CancellationScope | null = null;

  const apply = (event: OrderEvent) => {
    state = transition(state, event);
  };

  // ---- Messages: handlers decide and record intent; the main function below acts. ----------
  setHandler(getOrderQuery, () => order);

  setHandler(
    submitOrderUpdate,
    async () => {
      await CancellationScope.nonCancellable(() => condition(() => state.phase !== 'INTAKE'));
      if (rejection) throw rejectionFailure(rejection);
      return accepted!;
    },
    {
      validator: (request) => {
        if ((request?.requestHash ?? null) !== input.requestHash) {
          throw ApplicationFailure.create({
            type: FailureType.IdempotencyKeyReused,
            message: 'This Idempotency-Key was already used with a different request',
            nonRetryable: true,
          });
        }
      },
    },
  );

  setHandler(
    cancelOrderUpdate,
    async (request) => {
      const decision = decideCancel(state);
      if (decision.verdict === 'reject') throw decisionFailure(decision);
      if (decision.verdict === 'accept') {
        requestCancel({ actor: request.actor, ...(request.reason ? { reason: request.reason } : {}) });
      }
      await CancellationScope.nonCancellable(() => condition(() => settled));
      return order!;
    },
    {
      validator: (request) => {
        if (
          !request ||
          !['customer', 'admin', 'system'].includes(request.actor) ||
          (request.reason !== undefined && (typeof request.reason !== 'string' || request.reason.length > 200))
        ) {
          throw ApplicationFailure.create({
            type: FailureType.ValidationFailed,
            message: 'cancelOrder expects {actor: customer|admin|system, reason?: string (≤ 200)}',
            nonRetryable: true,
          });
        }
        const decision = decideCancel(state);
        if (decision.verdict === 'reject') throw decisionFailure(decision);
      },
    },
  );

  setHandler(
    shipOrderUpdate,
    async () => {
      const decision = decideShip(state);
      if (decision.verdict === 'reject') throw decisionFailure(decision);
      if (decision.verdict === 'accept') {
        apply({ type: 'SHIP_REQUESTED' });
        setCurrentDetails(describe());
      }
      await CancellationScope.nonCancellable(() => condition(() => settled));
      return order!;
    },
    {
      validator: () => {
        const decision = decideShip(state);
        if (decision.verdict === 'reject') throw decisionFailure(decision);
      },
    },
  );

  /** Records an accepted cancel request and interrupts a charge in flight. */
  function requestCancel(request: CancelOrderRequest): void {
    apply({ type: 'CANCEL_REQUESTED', request });
    chargeScope?.cancel();
    setCurrentDetails(describe());
  }

  // A Temporal cancellation request becomes a cancel request as soon as the order can take one
  // (right after intake if it arrives during intake); once shipping or closing, it is moot.
  let cancelledByOperator = false;
  const cancelIfOperatorAsked = () => {
    if (cancelledByOperator && decideCancel(state).verdict === 'accept')
      requestCancel({ actor: 'system', reason: OrderFailureReason.WorkflowCancelled });
  };
  CancellationScope.current().cancelRequested.catch(() => {
    cancelledByOperator = true;
    cancelIfOperatorAsked();
  });

  // ---- Read model side channels: search attributes and the Web UI's current details. -------
  function publish(): void {
    const status = order?.status ?? state.phase;
    if (status === 'INTAKE') return;
    upsertSearchAttributes([
      { key: CustomerIdSearchAttribute, value: userId },
      { key: OrderStatusSearchAttribute, value: status },
      ...(order ? [{ key: OrderTotalCentsSearchAttribute, value: order.totalCents }] : []),
    ]);
    setCurrentDetails(describe());
  }

  function describe(): string {
    if (!order) return `**REJECTED**: ${rejection?.type}: ${rejection?.message}`;
    const amount = `${(order.totalCents / 100).toFixed(2)} ${order.currency}`;
    const items = `${order.items.reduce((n, i) => n + i.quantity, 0)} unit(s) of ${order.items.length} product(s)`;
    const doing =
      state.action?.kind === 'cancel'
        ? `cancelling (asked by ${state.action.request.actor}); refund and stock release in progress`
        : state.action?.kind === 'ship'
          ? 'shipping'
          : ({
              PENDING: `charging ${input.paymentMethod}; cancelled automatically if unpaid after ${Math.round((input.paymentTimeoutMs ?? DEFAULT_PAYMENT_TIMEOUT_MS) / 1000)} s`,
              PAID: 'waiting for shipOrder or cancelOrder',
              SHIPPED: 'shipped',
              CANCELLED: order.payment?.refundId
                ? `cancelled; refund ${order.payment.refundId}`
                : 'cancelled; nothing was charged',
              FAILED: `failed: ${order.failureReason ?? 'unknown'}`,
            }[order.status] ?? order.status);
    return `**${order.status}** · ${amount} · ${items}\n\n${doing}`;
  }

  async function recordStatus(
    to: OrderView['status'],
    payment: OrderView['payment'],
    failureReason: string | null = null,
  ): Promise<void> {
    const write = v2 ? local : readModel;
    order = await write.recordTransition({
      orderId,
      from: order!.status,
      to,
      payment,
      failureReason,
      at: new Date().toISOString(),
    });
  }

  async function email(template: EmailTemplate, data: Record<string, string | number | null>): Promise<void> {
    if (v2) {
      await local.startOrderEmail({
        orderId,
        userId,
        template,
        data: { totalCents: order!.totalCents, currency: order!.currency, ...data },
      });
      return;
    }
    try {
      // ABANDON: the e-mail is durable once started and never holds the order up.
      await startChild<typeof sendEmail>('sendEmail', {
        workflowId: orderEmailWorkflowId(orderId, template),
        taskQueue: NOTIFICATIONS_TASK_QUEUE,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        args: [
          {
            messageKey: orderEmailKey(orderId, template),
            template,
            userId,
            data: { orderId, totalCents: order!.totalCents, currency: order!.currency, ...data },
          },
        ],
      });
    } catch (err) {
      // Already sent by an earlier run of this order (the message key also deduplicates).
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  // Decided once, at the first workflow task: old histories keep their path to the end.
  const v2 = patched(ORDER_PATH_V2);
  return await CancellationScope.nonCancellable(process);

  async function process(): Promise<PlaceOrderResult> {
    // ---- 1. Intake: price from the catalog (never from the request), reserve all or nothing. --
    let priced: PriceLinesResult;
    let reserveAttempted = false;
    try {
      if (v2) {
        reserveAttempted = true;
        priced = await intake.priceAndReserve({ orderId, lines: input.lines });
      } else {
        priced = await intake.priceLines(input.lines);
        reserveAttempted = true;
        await intake.reserveStock({
          orderId,
          lines: priced.lines.map(({ productId, quantity }) => ({ productId, quantity })),
        });
      }
    } catch (err) {
      rejection = toRejection(err);
      apply({ type: 'REJECTED' });
      publish();
      log.info('order request rejected', { orderId, type: rejection.type });
      // A reservation that timed out may still have committed: give it back. A business refusal
      // (OutOfStock...) comes from a rolled-back transaction and holds nothing.
      if (reserveAttempted && !INTAKE_REJECTIONS.includes(rejection.type)) await compensation.releaseStock({ orderId });
      await condition(allHandlersFinished);
      return { outcome: 'REJECTED', rejection, requestHash: input.requestHash };
    }

    // ---- 2. The order exists: write it, answer submitOrder (201 PENDING). -----------------------
    order = await (v2 ? local : readModel).openOrder({
      orderId,
      userId,
      lines: priced.lines,
      currency: priced.currency,
      paymentMethod: input.paymentMethod,
      requestHash: input.requestHash,
      createdAt: input.createdAt,
    });
    accepted = order;
    apply({ type: 'ACCEPTED' });
    publish();
    cancelIfOperatorAsked();

    // ---- 3. Payment, within the payment deadline; a cancel request interrupts it. ---------------
    const charge = await chargeWithinDeadline();
    if (charge.outcome === 'interrupted' && !state.action) {
      // An unexpected, non-retryable charge failure: we cannot know what was captured, so
      // compensate (refund or close the charge key) rather than leave the order PENDING.
      log.error('charge failed unexpectedly; cancelling the order', { orderId });
      apply({ type: 'CANCEL_REQUESTED', request: { actor: 'system', reason: OrderFailureReason.PaymentError } });
    }
    const next = eventAfterCharge(state, charge.outcome);

    if (next === 'DECLINED') {
      apply({ type: 'DECLINED' }); // from here, cancel and ship are refused
      await compensation.releaseStock({ orderId });
      await recordStatus('FAILED', { status: 'DECLINED' }, OrderFailureReason.PaymentDeclined);
      await email('order-failed', { reason: OrderFailureReason.PaymentDeclined });
      log.info('order failed: payment declined', { orderId });
    } else if (next === 'PAID') {
      apply({ type: 'PAID' });
      await recordStatus('PAID', { status: 'SUCCEEDED', chargeId: charge.chargeId! });
      publish();
      await email('order-paid', {});
      log.info('order paid', { orderId });

      // ---- 4. Paid: wait (for weeks if need be) for shipment or cancellation. -------------------
      await condition(() => state.action !== null);
      if (state.action!.kind === 'ship') {
        await recordStatus('SHIPPED', order.payment);
        apply({ type: 'SHIPPED' });
        log.info('order shipped', { orderId });
      } else {
        await cancelWithCompensation(charge);
      }
    } else {
      await cancelWithCompensation(charge);
    }

    settled = true;
    publish();
    // Let in-flight update handlers return their answers before the run completes.
    await condition(allHandlersFinished);
    return { outcome: 'COMPLETED', order: order! };
  }

  // ---- Steps ---------------------------------------------------------------------------------

  async function chargeWithinDeadline(): Promise<ChargeAttempt> {
    if (state.action) return { outcome: 'interrupted', attempted: false };
    const scope = new CancellationScope();
    chargeScope = scope;
    let done = false;
    const attempt: Promise<ChargeAttempt> = scope
      .run(() =>
        payments.chargePayment({
          orderId,
          amountCents: order!.totalCents,
          currency: order!.currency,
          paymentMethod: input.paymentMethod,
        }),
      )
      .then(
        ({ chargeId }): ChargeAttempt => ({ outcome: 'succeeded', attempted: true, chargeId }),
        (err): ChargeAttempt => {
          const type = failureTypeOf(err);
          if (type === FailureType.PaymentDeclined) return { outcome: 'declined', attempted: true };
          if (!isCancellation(err) && type !== OrderFailureType.PaymentCancelled)
            log.error('charge failed', { orderId, error: String(err) });
          return { outcome: 'interrupted', attempted: true };
        },
      )
      .finally(() => {
        done = true;
        chargeScope = null;
      });
    const timeoutMs = input.paymentTimeoutMs ?? DEFAULT_PAYMENT_TIMEOUT_MS;
    const inTime = await condition(() => done || state.action !== null, timeoutMs, { summary: 'payment deadline' });
    if (!inTime && !state.action) {
      log.info('payment deadline passed; cancelling the order', { orderId, timeoutMs });
      apply({ type: 'CANCEL_REQUESTED', request: { actor: 'system', reason: OrderFailureReason.PaymentTimeout } });
      setCurrentDetails(describe());
    }
    if (!done) scope.cancel();
    return await attempt;
  }

  /** Refund (or close the charge key), release the stock, record CANCELLED, e-mail. */
  async function cancelWithCompensation(charge: ChargeAttempt): Promise<void> {
    const request: CancelOrderRequest = state.action!.kind === 'cancel' ? state.action!.request : { actor: 'system' };
    let payment: OrderView['payment'];
    if (charge.outcome === 'declined') {
      payment = { status: 'DECLINED' };
    } else if (!charge.attempted) {
      payment = { status: 'CANCELLED' };
    } else {
      // Whether or not we saw the charge succeed: the provider knows what was captured.
      const refund = await refunds.refundPayment({
        orderId,
        amountCents: order!.totalCents,
        currency: order!.currency,
      });
      payment =
        refund.outcome === 'refunded'
          ? { status: 'REFUNDED', chargeId: refund.chargeId!, refundId: refund.refundId! }
          : { status: 'CANCELLED' };
    }
    await compensation.releaseStock({ orderId });
    await recordStatus('CANCELLED', payment, request.actor === 'system' ? (request.reason ?? null) : null);
    // Only the system's reason codes travel on: a customer's free-text reason stays in this history.
    await email('order-cancelled', {
      refunded: payment.status === 'REFUNDED' ? 1 : 0,
      reason: request.actor === 'system' ? (request.reason ?? null) : null,
    });
    apply({ type: 'CANCELLED' });
    log.info('order cancelled', { orderId, actor: request.actor, refunded: payment.status === 'REFUNDED' });
  }
}

/** The ApplicationFailure type an activity failed with (the cause of the ActivityFailure). */
function failureTypeOf(err: unknown): string | undefined {
  const cause = (err as { cause?: unknown })?.cause;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

function toRejection(err: unknown): OrderRejection {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof ApplicationFailure && cause.type && INTAKE_REJECTIONS.includes(cause.type)) {
    return {
      type: cause.type,
      message: cause.message,
      ...(cause.details?.length ? { details: cause.details[0] } : {}),
    };
  }
  const timedOut = cause instanceof TimeoutFailure;
  return {
    type: OrderFailureType.OrderIntakeFailed,
    message: timedOut
      ? 'The catalog did not answer in time; nothing was reserved. Try again.'
      : 'The order could not be priced or reserved; nothing was reserved. Try again.',
  };
}

function rejectionFailure(r: OrderRejection): ApplicationFailure {
  return ApplicationFailure.create({
    type: r.type,
    message: r.message,
    nonRetryable: true,
    details: r.details === undefined ? [] : [r.details],
  });
}

function decisionFailure(d: Extract<Decision, { verdict: 'reject' }>): ApplicationFailure {
  return ApplicationFailure.create({ type: d.failureType, message: d.message, nonRetryable: true });
}
