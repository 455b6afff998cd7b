// The steps of one order, top to bottom, and the state they share. The update handlers only
// decide (with the pure state machine in order-state.ts) and record an intent, which `run`
// carries out: every side effect happens in one sequential place, so no two handlers ever
// compensate at once.
import {
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { PriceLinesResult } from '../catalog/contract';
import type { OrderEmailTemplate } from '../notifications/contract';
import { publishEvent, startEventPublication } from '../shared/event-publication';
import {
  INTEGRATION_EVENTS_PATCH,
  type PublishEventInput,
  type ShopEventDataMap,
  type ShopEventName,
} from '../shared/events';
import { FailureType, applicationFailureOf, failureTypeOf } from '../shared/failures';
import {
  type CancelOrderRequest,
  CustomerIdSearchAttribute,
  INTAKE_REJECTIONS,
  OrderFailureReason,
  OrderFailureType,
  type OrderRejection,
  OrderStatusSearchAttribute,
  OrderTotalCentsSearchAttribute,
  type OrderView,
  type PlaceOrderInput,
  type PlaceOrderResult,
  cancelOrderUpdate,
  getOrderQuery,
  shipOrderUpdate,
  submitOrderUpdate,
} from './contract';
import { compensation, intake, local, payments, refunds } from './order-activity-options';
import { DEFAULT_PAYMENT_TIMEOUT_MS, describeOrder } from './order-details';
import {
  type ChargeOutcome,
  type Decision,
  type OrderEvent,
  type OrderState,
  decideCancel,
  decideShip,
  eventAfterCharge,
  initialOrderState,
  isPastPlaceBy,
  transition,
} from './order-state';

/** See OrderProcess.fenced. */
const FENCED_INTAKE_PATCH = 'fenced-intake';
/**
 * A run refused as CheckoutExpired fails (no REJECTED result, no order.rejected), like a transient
 * intake failure: the refusal is about one pending checkout's deadline, not the key's answer, so the
 * same Idempotency-Key may place the order in a new run once the cart holds a newer checkout.
 * Runs begun before it complete REJECTED on replay.
 */
export const CHECKOUT_EXPIRED_NOT_FINAL_PATCH = 'checkout-expired-not-final';

type OrderEventName = Extract<ShopEventName, `order.${string}`>;

/** The catalogue's reason code of a rejection's failure type (OutOfStock → OUT_OF_STOCK). */
export const rejectionCode = (type: string): string => type.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

interface ChargeAttempt {
  outcome: ChargeOutcome;
  /** False when a cancel came before the charge was ever scheduled (nothing to refund or close). */
  attempted: boolean;
  chargeId?: string;
}

export class OrderProcess {
  private state: OrderState = initialOrderState();
  /** The order row as last written (what GET /api/orders/:id shows); null before acceptance. */
  private order: OrderView | null = null;
  /** The answer to submitOrder: the order as accepted. */
  private accepted: OrderView | null = null;
  private rejection: OrderRejection | null = null;
  /** True once the final state is written, compensation done and the e-mail handed off. */
  private settled = false;
  private chargeScope: CancellationScope | null = null;
  private cancelledByOperator = false;
  private readonly paymentTimeoutMs: number;
  /**
   * Reservations fenced per run, released on every refusal, and a transient intake failure ends
   * the run as failed (so the same key may start a new one). Runs begun before that keep their
   * recorded behaviour on replay.
   */
  private fenced = false;
  /**
   * Integration events (the 'integration-events' patch; runs begun before it publish none). Each
   * is published right after the write it reports, one after another in `eventChain` (so they
   * reach the broker in sequence order), and no business step waits for them: a broker outage
   * delays the events, never the order. The run awaits the chain only once settled, after the
   * last update's answer.
   */
  private events = false;
  private eventSequence = 0;
  private eventChain: Promise<void> = Promise.resolve();
  private rejectedAt: string | null = null;

  constructor(private readonly input: PlaceOrderInput) {
    this.paymentTimeoutMs = input.paymentTimeoutMs ?? DEFAULT_PAYMENT_TIMEOUT_MS;
  }

  /** Messages: the handlers decide and record intent; `run` acts on it. */
  setup(): void {
    setHandler(getOrderQuery, () => this.order);

    setHandler(
      submitOrderUpdate,
      async () => {
        await CancellationScope.nonCancellable(() => condition(() => this.state.phase !== 'INTAKE'));
        if (this.rejection) throw rejectionFailure(this.rejection);
        return this.accepted!;
      },
      { validator: (request) => validateSubmit(request, this.input.requestHash) },
    );

    setHandler(
      cancelOrderUpdate,
      async (request) => {
        const decision = decideCancel(this.state);
        if (decision.verdict === 'reject') throw decisionFailure(decision);
        if (decision.verdict === 'accept') {
          this.requestCancel({ actor: request.actor, ...(request.reason ? { reason: request.reason } : {}) });
        }
        await CancellationScope.nonCancellable(() => condition(() => this.settled));
        return this.order!;
      },
      {
        validator: (request) => {
          validateCancelRequest(request, this.input.userId);
          const decision = decideCancel(this.state);
          if (decision.verdict === 'reject') throw decisionFailure(decision);
        },
      },
    );

    setHandler(
      shipOrderUpdate,
      async () => {
        const decision = decideShip(this.state);
        if (decision.verdict === 'reject') throw decisionFailure(decision);
        if (decision.verdict === 'accept') {
          this.apply({ type: 'SHIP_REQUESTED' });
          setCurrentDetails(this.describe());
        }
        await CancellationScope.nonCancellable(() => condition(() => this.settled));
        return this.order!;
      },
      {
        validator: () => {
          const decision = decideShip(this.state);
          if (decision.verdict === 'reject') throw decisionFailure(decision);
        },
      },
    );

    // A Temporal cancellation request (the Web UI's "Request cancellation", `temporal workflow
    // cancel`) becomes a cancel request as soon as the order can take one (right after intake if
    // it arrives during intake); once shipping or closing, it is moot.
    CancellationScope.current().cancelRequested.catch(() => {
      this.cancelledByOperator = true;
      this.cancelIfOperatorAsked();
    });
  }

  /** The process, from the request to SHIPPED, CANCELLED, FAILED or a rejection. */
  async run(): Promise<PlaceOrderResult> {
    this.events = patched(INTEGRATION_EVENTS_PATCH);
    const priced = await this.intake();
    if (!priced) {
      const rejection = this.rejection!;
      const final = !(
        (this.fenced && rejection.type === OrderFailureType.OrderIntakeFailed) ||
        (rejection.type === FailureType.CheckoutExpired && patched(CHECKOUT_EXPIRED_NOT_FINAL_PATCH))
      );
      // A transient intake failure, or a checkout past its deadline, is no final answer (the key
      // may place the order again in a new run, whose events then are the order's): only a final
      // refusal is published.
      if (final) await this.publishRejection();
      await condition(allHandlersFinished);
      if (!final) {
        // Not an answer to keep: the run fails, and the gateway may start a new one for the key.
        throw ApplicationFailure.create({
          type: rejection.type,
          message: rejection.message,
          nonRetryable: true,
          details: [{ ...(isRecord(rejection.details) ? rejection.details : {}), requestHash: this.input.requestHash }],
        });
      }
      return { outcome: 'REJECTED', rejection, requestHash: this.input.requestHash };
    }
    await this.open(priced);

    const charge = await this.chargeWithinDeadline();
    if (charge.outcome === 'interrupted' && !this.state.action) {
      // An unexpected, non-retryable charge failure: we cannot know what was captured, so
      // compensate (refund or close the charge key) rather than leave the order PENDING.
      log.error('charge failed unexpectedly; cancelling the order', { orderId: this.input.orderId });
      this.apply({ type: 'CANCEL_REQUESTED', request: { actor: 'system', reason: OrderFailureReason.PaymentError } });
    }
    const next = eventAfterCharge(this.state, charge.outcome);
    if (next === 'DECLINED') {
      await this.decline();
    } else if (next === 'PAID') {
      await this.settlePaid(charge);
      await this.waitForShipOrCancel(charge);
    } else {
      await this.cancelWithCompensation(charge);
    }

    this.settled = true;
    this.publish();
    // The answers are out (settled): now wait until every event of the order is confirmed.
    if (this.events) await this.eventChain;
    // Let in-flight update handlers return their answers before the run completes.
    await condition(allHandlersFinished);
    return { outcome: 'COMPLETED', order: this.order! };
  }

  // ---- Steps --------------------------------------------------------------------------------

  /** Price from the catalog (never from the request) and reserve all or nothing; null if refused. */
  private async intake(): Promise<PriceLinesResult | null> {
    const { orderId, lines, placeBy } = this.input;
    // Before anything is reserved (input-gated: runs without placeBy go on as before). The run's
    // start time is the server's: the cart settles only past placeBy plus a margin for clock skew,
    // so a start that lands later is refused here, whatever the gateway's clock said.
    if (placeBy !== undefined && isPastPlaceBy(workflowInfo().startTime, placeBy)) {
      this.reject({
        type: FailureType.CheckoutExpired,
        message: 'The checkout took too long; check out again',
        details: { placeBy, startedAt: workflowInfo().startTime.toISOString() },
      });
      return null;
    }
    this.fenced = patched(FENCED_INTAKE_PATCH);
    try {
      return await intake.priceAndReserve({ orderId, lines, ...this.runFence() });
    } catch (err) {
      const rejection = toRejection(err);
      this.reject(rejection);
      // An attempt that timed out may still commit later, and even a refusal may follow an
      // earlier attempt that did reserve: close the run's fence and give back whatever it holds.
      if (this.fenced) await compensation.releaseStock({ orderId, ...this.runFence() });
      else if (!INTAKE_REJECTIONS.includes(rejection.type)) await compensation.releaseStock({ orderId });
      return null;
    }
  }

  /** Refused at intake: no order, the request's answer is the rejection. */
  private reject(rejection: OrderRejection): void {
    this.rejection = rejection;
    this.rejectedAt = new Date().toISOString();
    this.apply({ type: 'REJECTED' });
    this.publish();
    log.info('order request rejected', { orderId: this.input.orderId, type: rejection.type });
  }

  /** The run the reservation ledger fences (absent for runs begun before fencing). */
  private runFence(): { runId?: string } {
    return this.fenced ? { runId: workflowInfo().runId } : {};
  }

  /** The order exists: write it, answer submitOrder (201 PENDING). */
  private async open(priced: PriceLinesResult): Promise<void> {
    const { orderId, userId, paymentMethod, requestHash, createdAt } = this.input;
    this.order = await local.openOrder({
      orderId,
      userId,
      lines: priced.lines,
      currency: priced.currency,
      paymentMethod,
      requestHash,
      createdAt,
    });
    this.accepted = this.order;
    this.apply({ type: 'ACCEPTED' });
    this.publish();
    const acceptedAt = new Date().toISOString();
    this.emit(
      'order.accepted',
      {
        orderId,
        userId,
        items: this.order.items.map((i) => ({
          productId: i.productId,
          name: i.name,
          unitPriceCents: i.unitPriceCents,
          quantity: i.quantity,
        })),
        totalCents: this.order.totalCents,
        currency: this.order.currency,
        acceptedAt,
      },
      acceptedAt,
    );
    this.cancelIfOperatorAsked();
  }

  /** Payment, within the payment deadline; a cancel request interrupts it. */
  private async chargeWithinDeadline(): Promise<ChargeAttempt> {
    if (this.state.action) return { outcome: 'interrupted', attempted: false };
    const { orderId, paymentMethod } = this.input;
    const order = this.order!;
    const scope = new CancellationScope();
    this.chargeScope = scope;
    let done = false;
    const attempt: Promise<ChargeAttempt> = scope
      .run(() =>
        payments.chargePayment({ orderId, amountCents: order.totalCents, currency: order.currency, paymentMethod }),
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
        this.chargeScope = null;
      });
    const timeoutMs = this.paymentTimeoutMs;
    const inTime = await condition(() => done || this.state.action !== null, timeoutMs, {
      summary: 'payment deadline',
    });
    if (!inTime && !this.state.action) {
      log.info('payment deadline passed; cancelling the order', { orderId, timeoutMs });
      this.apply({ type: 'CANCEL_REQUESTED', request: { actor: 'system', reason: OrderFailureReason.PaymentTimeout } });
      setCurrentDetails(this.describe());
    }
    if (!done) scope.cancel();
    return await attempt;
  }

  /** Declined by the provider: release the stock, record FAILED, e-mail. */
  private async decline(): Promise<void> {
    this.apply({ type: 'DECLINED' }); // from here, cancel and ship are refused
    await compensation.releaseStock({ orderId: this.input.orderId, ...this.runFence() });
    const failedAt = await this.recordStatus('FAILED', { status: 'DECLINED' }, OrderFailureReason.PaymentDeclined);
    this.emit(
      'order.payment_failed',
      { ...this.eventKeys(), reason: OrderFailureReason.PaymentDeclined, failedAt },
      failedAt,
    );
    await this.email('order-failed', { reason: OrderFailureReason.PaymentDeclined });
    log.info('order failed: payment declined', { orderId: this.input.orderId });
  }

  /** Captured: record PAID, e-mail. */
  private async settlePaid(charge: ChargeAttempt): Promise<void> {
    this.apply({ type: 'PAID' });
    const paidAt = await this.recordStatus('PAID', { status: 'SUCCEEDED', chargeId: charge.chargeId! });
    this.publish();
    const { totalCents, currency } = this.order!;
    this.emit('order.paid', { ...this.eventKeys(), totalCents, currency, chargeId: charge.chargeId!, paidAt }, paidAt);
    await this.email('order-paid', {});
    log.info('order paid', { orderId: this.input.orderId });
  }

  /** Paid: wait (for weeks if need be) for shipment or cancellation. */
  private async waitForShipOrCancel(charge: ChargeAttempt): Promise<void> {
    await condition(() => this.state.action !== null);
    if (this.state.action!.kind === 'ship') {
      const shippedAt = await this.recordStatus('SHIPPED', this.order!.payment);
      this.emit('order.shipped', { ...this.eventKeys(), shippedAt }, shippedAt);
      this.apply({ type: 'SHIPPED' });
      log.info('order shipped', { orderId: this.input.orderId });
    } else {
      await this.cancelWithCompensation(charge);
    }
  }

  /** Refund (or close the charge key), release the stock, record CANCELLED, e-mail. */
  private async cancelWithCompensation(charge: ChargeAttempt): Promise<void> {
    const { orderId } = this.input;
    const action = this.state.action!;
    const request: CancelOrderRequest = action.kind === 'cancel' ? action.request : { actor: 'system' };
    let payment: OrderView['payment'];
    if (charge.outcome === 'declined') {
      payment = { status: 'DECLINED' };
    } else if (!charge.attempted) {
      payment = { status: 'CANCELLED' };
    } else {
      // Whether or not we saw the charge succeed: the provider knows what was captured.
      const refund = await refunds.refundPayment({
        orderId,
        amountCents: this.order!.totalCents,
        currency: this.order!.currency,
      });
      payment =
        refund.outcome === 'refunded'
          ? { status: 'REFUNDED', chargeId: refund.chargeId!, refundId: refund.refundId! }
          : { status: 'CANCELLED' };
    }
    await compensation.releaseStock({ orderId, ...this.runFence() });
    const systemReason = request.actor === 'system' ? (request.reason ?? null) : null;
    const cancelledAt = await this.recordStatus('CANCELLED', payment, systemReason);
    this.emit(
      'order.cancelled',
      {
        ...this.eventKeys(),
        cancelledBy: request.actor,
        // As in the e-mail: only the system's reason codes; a caller's free text stays in this history.
        ...(systemReason ? { reason: systemReason } : {}),
        refund:
          payment.status === 'REFUNDED'
            ? { refundId: payment.refundId!, amountCents: this.order!.totalCents, currency: this.order!.currency }
            : null,
        cancelledAt,
      },
      cancelledAt,
    );
    // Only the system's reason codes travel on: a customer's free-text reason stays in this history.
    await this.email('order-cancelled', { refunded: payment.status === 'REFUNDED' ? 1 : 0, reason: systemReason });
    this.apply({ type: 'CANCELLED' });
    log.info('order cancelled', { orderId, actor: request.actor, refunded: payment.status === 'REFUNDED' });
  }

  // ---- Helpers of the steps -------------------------------------------------------------------

  private apply(event: OrderEvent): void {
    this.state = transition(this.state, event);
  }

  /** Records an accepted cancel request and interrupts a charge in flight. */
  private requestCancel(request: CancelOrderRequest): void {
    this.apply({ type: 'CANCEL_REQUESTED', request });
    this.chargeScope?.cancel();
    setCurrentDetails(this.describe());
  }

  private cancelIfOperatorAsked(): void {
    if (this.cancelledByOperator && decideCancel(this.state).verdict === 'accept')
      this.requestCancel({ actor: 'system', reason: OrderFailureReason.WorkflowCancelled });
  }

  /** Read-model side channels: search attributes and the Web UI's current details. */
  private publish(): void {
    const status = this.order?.status ?? this.state.phase;
    if (status === 'INTAKE') return;
    upsertSearchAttributes([
      { key: CustomerIdSearchAttribute, value: this.input.userId },
      { key: OrderStatusSearchAttribute, value: status },
      ...(this.order ? [{ key: OrderTotalCentsSearchAttribute, value: this.order.totalCents }] : []),
    ]);
    setCurrentDetails(this.describe());
  }

  private describe(): string {
    return describeOrder({
      order: this.order,
      rejection: this.rejection,
      state: this.state,
      paymentMethod: this.input.paymentMethod,
      paymentTimeoutMs: this.paymentTimeoutMs,
    });
  }

  /** Writes the order row's next status; returns the transition's time (the event's too). */
  private async recordStatus(
    to: OrderView['status'],
    payment: OrderView['payment'],
    failureReason: string | null = null,
  ): Promise<string> {
    const at = new Date().toISOString();
    this.order = await local.recordTransition({
      orderId: this.input.orderId,
      from: this.order!.status,
      to,
      payment,
      failureReason,
      at,
    });
    return at;
  }

  // ---- Integration events -------------------------------------------------------------------

  private eventKeys(): { orderId: string; userId: string } {
    return { orderId: this.input.orderId, userId: this.input.userId };
  }

  /** Appends the order's next event to the chain (its sequence is its place in the order's events). */
  private emit<N extends OrderEventName>(name: N, data: ShopEventDataMap[N], time: string): void {
    if (!this.events) return;
    const input = {
      name,
      subject: this.input.orderId,
      sequence: ++this.eventSequence,
      time,
      data,
    } as PublishEventInput;
    this.eventChain = this.eventChain.then(() =>
      publishEvent(input).then(
        () => undefined,
        // Only a bug gets here (InvalidEvent: publishing retries outages forever): never fail the order for it.
        (err) =>
          log.error('integration event not published', {
            orderId: this.input.orderId,
            event: name,
            error: String(err),
          }),
      ),
    );
  }

  /**
   * A request refused at intake: its one event goes to a durable child, so the run (whose result
   * answers repeated requests of the key) closes without waiting for the broker.
   */
  private async publishRejection(): Promise<void> {
    if (!this.events) return;
    const rejectedAt = this.rejectedAt!;
    await startEventPublication({
      name: 'order.rejected',
      subject: this.input.orderId,
      sequence: ++this.eventSequence,
      time: rejectedAt,
      data: { ...this.eventKeys(), reason: rejectionCode(this.rejection!.type), rejectedAt },
    });
  }

  private async email(template: OrderEmailTemplate, data: Record<string, string | number | null>): Promise<void> {
    const { orderId, userId } = this.input;
    await local.startOrderEmail({
      orderId,
      userId,
      template,
      data: { totalCents: this.order!.totalCents, currency: this.order!.currency, ...data },
    });
  }
}

function validateSubmit(request: { requestHash: string | null } | undefined, requestHash: string | null): void {
  if ((request?.requestHash ?? null) !== requestHash) {
    throw ApplicationFailure.create({
      type: FailureType.IdempotencyKeyReused,
      message: 'This Idempotency-Key was already used with a different request',
      nonRetryable: true,
    });
  }
}

function validateCancelRequest(request: CancelOrderRequest | undefined, userId: string): void {
  if (
    !request ||
    !['customer', 'admin'].includes(request.actor) ||
    (request.actor === 'customer' && request.customerId !== userId) ||
    (request.reason !== undefined && (typeof request.reason !== 'string' || request.reason.length > 200))
  ) {
    throw ApplicationFailure.create({
      type: FailureType.ValidationFailed,
      message: "cancelOrder expects {actor: customer (with the order's customerId) | admin, reason?: string (≤ 200)}",
      nonRetryable: true,
    });
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function toRejection(err: unknown): OrderRejection {
  const failure = applicationFailureOf(err);
  if (failure?.type && INTAKE_REJECTIONS.includes(failure.type)) {
    return {
      type: failure.type,
      message: failure.message,
      ...(failure.details?.length ? { details: failure.details[0] } : {}),
    };
  }
  const timedOut = (err as { cause?: unknown })?.cause instanceof TimeoutFailure;
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
