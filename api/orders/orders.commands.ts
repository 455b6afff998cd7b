// The gateway's side of the placeOrder workflow: update-with-start for placement, updates for
// cancel and ship, and the answers for workflows that have already closed (from the order
// row, or the run's result for a request that was refused at intake).
import { randomUUID } from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { businessMetrics } from '../../common/metrics';
import type { OrderEntity } from '../../db/entities';
import { saveShippingAddress } from '../../db/shipping-addresses';
import { acceptedOrderView, toOrderView } from '../../db/views';
import {
  CANCEL_ORDER_UPDATE_ID,
  CHECKOUT_TOKEN_MEMO,
  type CancelOrderRequest,
  CustomerIdSearchAttribute,
  INTAKE_REJECTIONS,
  ORDERS_TASK_QUEUE,
  OrderFailureType,
  type OrderRejection,
  type OrderView,
  type PlaceOrderInput,
  type PlaceOrderResult,
  SHIP_ORDER_UPDATE_ID,
  cancelOrderUpdate,
  orderWorkflowId,
  shipOrderUpdate,
  submitOrderUpdate,
  submitOrderUpdateId,
} from '../../workflows/orders/contract';
import {
  type Decision,
  type OrderState,
  decideCancel,
  decideShip,
  stateOfStatus,
} from '../../workflows/orders/order-state';
import type { placeOrder } from '../../workflows/orders/place-order.workflow';
import { FailureType, applicationFailureOf } from '../../workflows/shared/failures';
import type { ApiDeps } from '../context';
import { toProblemError } from '../middleware/error-handler';
import { ProblemError, problemForFailure } from '../problem';
import { type Accepted, stillProcessing, withinRouteDeadline } from '../shared/route-deadline';
import { type OrderRequest, orderIdFor, orderRequestHash } from './idempotency';
import { findOrder, openOrderLoad } from './orders.queries';

/** Business failures of the orders domain → problem+json (the shared table, plus 503). */
function problemFor(type: string, message: string, details?: unknown): ProblemError {
  if (type === OrderFailureType.OrderIntakeFailed)
    return new ProblemError(503, 'SERVICE_UNAVAILABLE', 'Service unavailable', message, {}, { 'Retry-After': '5' });
  return (
    problemForFailure(type, message, details) ?? new ProblemError(500, 'INTERNAL', 'Internal server error', message)
  );
}

// An operator terminated the run (or it failed for good): the order row stays as it was, and no
// update can reach it any more. Only support can settle it now.
const processClosed = () =>
  new ProblemError(
    409,
    'ORDER_PROCESS_CLOSED',
    'Conflict',
    "This order's process has ended (an operator stopped it, or it failed); it can no longer be changed here",
  );

type ClosedRun = { result: PlaceOrderResult } | { failed: WorkflowFailedError; runId: string };

/** How long GET of an order without a row waits for Temporal to say whether it is being placed. */
const PLACING_CHECK_MS = 2000;

/** How long an unkeyed order's start is looked for when its answer did not come in time. */
const START_CHECK_MS = 2000;
/** The start check's share of the route deadline (a quarter of a short one). */
const startCheckMs = (routeDeadlineMs: number) => Math.min(START_CHECK_MS, routeDeadlineMs / 4);

/** A keyed order's intake failed transiently: what to answer depends on its run. */
class IntakeFailed extends Error {}

/**
 * How a run that answered no final word ends (the run fails, and the key may start a new one):
 * a transient intake failure, and a checkout refused past its deadline (placeBy), which is the
 * answer for that one pending checkout, not for the key (runs from before
 * 'checkout-expired-not-final' completed REJECTED instead).
 */
const RUN_FAILED_NOT_FINAL: readonly string[] = [OrderFailureType.OrderIntakeFailed, FailureType.CheckoutExpired];

/**
 * A CheckoutExpired answer that is not this request's: it names another checkout's deadline (an
 * earlier pending checkout of the same key, whose failed run the server answers a repeat of the
 * update with). The request that hit the deadline, and every one sharing its placeBy, gets 409.
 */
const expiredForAnotherCheckout = (details: unknown, placeBy: string | undefined): boolean =>
  (details as { placeBy?: string } | undefined)?.placeBy !== placeBy;

const isClosedRun = (err: unknown) =>
  err instanceof WorkflowExecutionAlreadyStartedError || err instanceof WorkflowNotFoundError;

/**
 * The order's run closed under a cancel or ship: it was gone when the update came, or it ended
 * (terminated, failed) before answering an update it had taken, which the server reports as an
 * update failure that is no business refusal.
 */
const closedUnderUpdate = (err: unknown) =>
  err instanceof WorkflowNotFoundError || (err instanceof WorkflowUpdateFailedError && !toProblemError(err));

const keyReused = () =>
  problemFor(FailureType.IdempotencyKeyReused, 'This Idempotency-Key was already used with a different request');

function decisionProblem(d: Extract<Decision, { verdict: 'reject' }>): ProblemError {
  return problemFor(d.failureType, d.message);
}

export interface PlaceOrderCommand {
  userId: string;
  requestId: string;
  request: OrderRequest;
  idempotencyKey?: string;
  /**
   * The order this request stands for, held by the caller instead of a key (a cart's pending
   * checkout): a repeat addresses the same order, with the guarantees of a keyed request.
   */
  orderId?: string;
  /**
   * The cart's deadline for this checkout's order (CheckoutStart.placeBy): a placeOrder run the
   * server starts later refuses it (409 CHECKOUT_EXPIRED). Outside the request hash.
   */
  placeBy?: string;
  /**
   * The cart's token of this checkout (CheckoutStart.checkoutToken), kept in the run's memo: it
   * tells this checkout's order from an older order of the same key. Outside the request hash.
   */
  checkoutToken?: string;
}

export function orderCommands(deps: ApiDeps) {
  const metrics = businessMetrics(deps.metrics);
  const handle = (orderId: string) => deps.temporal.workflow.getHandle<typeof placeOrder>(orderWorkflowId(orderId));

  /** A repeat of an accepted order: the 201 body it got the first time. */
  function replay(row: OrderEntity, requestHash: string | null): OrderView {
    if (row.requestHash !== requestHash) throw keyReused();
    return acceptedOrderView(row);
  }

  /**
   * The answer a closed run left for this key: the accepted order, or its business refusal
   * (thrown), or — when its intake failed transiently and it released everything — the ID of
   * that run, after which a new run may take the key: a transient failure is never a key's
   * final answer.
   */
  async function answerClosed(
    orderId: string,
    requestHash: string | null,
    deadline: number,
  ): Promise<{ order: OrderView } | { failedRunId: string }> {
    const row = await findOrder(deps.dataSource, orderId, { primary: true });
    if (row) return { order: replay(row, requestHash) };
    const closed = await withinRouteDeadline(
      deps,
      async (): Promise<ClosedRun | undefined> => {
        const run = await handle(orderId).describe();
        if (run.status.name === 'RUNNING') return undefined;
        try {
          return {
            result: await deps.temporal.workflow.getHandle<typeof placeOrder>(run.workflowId, run.runId).result(),
          };
        } catch (err) {
          if (err instanceof WorkflowFailedError) return { failed: err, runId: String(run.runId) };
          throw err;
        }
      },
      deadline,
    );
    // Another request of this key has just started a new run: repeating joins it.
    if (!closed.inTime || !closed.value)
      throw stillProcessing('The order is still being placed; repeat the request with the same Idempotency-Key');
    const outcome = closed.value;
    if ('failed' in outcome) {
      const failure = applicationFailureOf(outcome.failed);
      if (!failure?.type || !RUN_FAILED_NOT_FINAL.includes(failure.type)) throw processClosed();
      const failedFor = (failure.details?.[0] as { requestHash?: string | null } | undefined)?.requestHash ?? null;
      if (failedFor !== requestHash) throw keyReused();
      return { failedRunId: outcome.runId };
    }
    const result = outcome.result;
    if (result.outcome !== 'REJECTED') throw new Error(`order ${orderId} completed without an order row`);
    if (result.requestHash !== requestHash) throw keyReused();
    throw problemFor(result.rejection.type, result.rejection.message, result.rejection.details);
  }

  /**
   * Whether an order without an Idempotency-Key really started, when its answer did not come:
   * then it goes on and the client gets 202 + Location; otherwise nothing was placed and a retry
   * is safe (503). A repeat of an unkeyed request is a second order, so this must not guess.
   */
  async function startedUnkeyed(orderId: string, confirmed: boolean): Promise<boolean> {
    if (confirmed) return true;
    try {
      await deps.temporal.connection.withDeadline(Date.now() + startCheckMs(deps.config.ROUTE_DEADLINE_MS), () =>
        handle(orderId).describe(),
      );
      return true;
    } catch {
      // Not found, or Temporal still unreachable: the start (one RPC to that server) did not land.
      return false;
    }
  }

  /**
   * A soft bound (concurrent requests of one customer may pass it by a few): enough to stop one
   * account from reserving the shop's stock with orders that never pay.
   */
  async function checkOpenOrderLimit(cmd: PlaceOrderCommand): Promise<void> {
    const held = await openOrderLoad(deps.dataSource, cmd.userId);
    const units = cmd.request.items.reduce((sum, line) => sum + line.quantity, 0);
    const { MAX_OPEN_ORDERS_PER_CUSTOMER: maxOrders, MAX_OPEN_UNITS_PER_CUSTOMER: maxUnits } = deps.config;
    if (held.orders + 1 > maxOrders || held.units + units > maxUnits)
      throw new ProblemError(
        409,
        'OPEN_ORDER_LIMIT',
        'Conflict',
        `At most ${maxOrders} unpaid orders and ${maxUnits} unpaid units at once: pay or cancel one first`,
        { openOrders: held.orders, openUnits: held.units },
      );
  }

  /**
   * An order that has no row (yet): still being placed (its 202's Location is polled before
   * intake ends), or refused at intake. Only its customer (or an admin) learns which; undefined
   * when there is no such run or Temporal does not answer in time (the caller then says 404).
   */
  async function placing(
    orderId: string,
    caller: { sub: string; role: string },
  ): Promise<{ accepted: Accepted } | { refused: OrderRejection } | undefined> {
    const looked = await withinRouteDeadline(
      deps,
      async () => {
        const run = await handle(orderId).describe();
        if (caller.role !== 'admin' && run.typedSearchAttributes.get(CustomerIdSearchAttribute) !== caller.sub)
          return undefined;
        if (run.status.name === 'RUNNING') return 'running' as const;
        try {
          const result = await deps.temporal.workflow.getHandle<typeof placeOrder>(run.workflowId, run.runId).result();
          return result.outcome === 'REJECTED' ? result.rejection : undefined;
        } catch (err) {
          const failure = applicationFailureOf(err);
          if (!(err instanceof WorkflowFailedError) || !failure?.type || !RUN_FAILED_NOT_FINAL.includes(failure.type))
            return undefined;
          return { type: failure.type, message: failure.message };
        }
      },
      Date.now() + PLACING_CHECK_MS,
    ).catch(() => ({ inTime: false as const }));
    if (!looked.inTime || !looked.value) return undefined;
    if (looked.value !== 'running') return { refused: looked.value };
    // The run may have just written the row (reads can come from a lagging replica).
    if (await findOrder(deps.dataSource, orderId, { primary: true })) return undefined;
    return {
      accepted: {
        status: 'ACCEPTED',
        id: orderId,
        workflowId: orderWorkflowId(orderId),
        detail: 'The order is still being priced and reserved; ask again shortly',
      },
    };
  }

  /**
   * Whether an existing order was placed for the cart checkout with this token (its run's memo):
   * 'no' when its run names another checkout or is gone (an order older than any pending
   * checkout), 'unknown' when the run names none (started by an older gateway) or Temporal does
   * not answer in time.
   */
  async function placedFor(orderId: string, checkoutToken: string): Promise<'yes' | 'no' | 'unknown'> {
    try {
      const looked = await withinRouteDeadline(deps, () => handle(orderId).describe());
      if (!looked.inTime) return 'unknown';
      const token = looked.value.memo?.[CHECKOUT_TOKEN_MEMO];
      if (token === undefined) return 'unknown';
      return token === checkoutToken ? 'yes' : 'no';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'no';
      deps.log.warn({ err, orderId }, 'could not tell which checkout an order was placed for');
      return 'unknown';
    }
  }

  /**
   * An update of the order's run (cancel, ship): decided from the row first (unchanged or refused
   * without a round trip), then sent; a run that closed meanwhile (shipped, cancelled) is answered
   * from the final row.
   */
  async function updateOrder(
    row: OrderEntity,
    decideStep: (state: OrderState) => Decision,
    send: () => Promise<OrderView>,
    underWay: string,
  ): Promise<OrderView> {
    const decide = (r: OrderEntity): OrderView | undefined => {
      const d = decideStep(stateOfStatus(r.status as OrderView['status']));
      if (d.verdict === 'unchanged') return toOrderView(r);
      if (d.verdict === 'reject') throw decisionProblem(d);
      return undefined;
    };
    const early = decide(row);
    if (early) return early;
    try {
      const updated = await withinRouteDeadline(deps, send);
      if (!updated.inTime) throw stillProcessing(underWay);
      return updated.value;
    } catch (err) {
      if (!closedUnderUpdate(err)) throw err;
      if (err instanceof WorkflowUpdateFailedError)
        deps.log.warn({ err, orderId: row.id }, 'the order run closed before answering an update');
      const final = await findOrder(deps.dataSource, row.id, { primary: true });
      const answer = final && decide(final);
      if (answer) return answer;
      throw processClosed();
    }
  }

  return {
    placing,
    placedFor,

    /**
     * Places an order (or answers a repeat of one). Returns once the order is priced and its
     * stock reserved; throws the refusal (409 OUT_OF_STOCK, 422 UNKNOWN_PRODUCT...) otherwise.
     */
    async place(cmd: PlaceOrderCommand): Promise<{ order: OrderView; replayed: boolean } | { accepted: Accepted }> {
      // One deadline for the whole request, the database lookups before Temporal included.
      const deadline = Date.now() + deps.config.ROUTE_DEADLINE_MS;
      // With a key or an order ID of the caller's, every repeat addresses the same order.
      const keyed = cmd.idempotencyKey !== undefined || cmd.orderId !== undefined;
      const orderId = cmd.orderId ?? (cmd.idempotencyKey ? orderIdFor(cmd.userId, cmd.idempotencyKey) : randomUUID());
      const requestHash = keyed ? orderRequestHash(cmd.request) : null;

      // Once the row exists the order was accepted, and the answer never changes: no workflow call.
      if (keyed) {
        const row = await findOrder(deps.dataSource, orderId, { primary: true });
        if (row) return { order: replay(row, requestHash), replayed: true };
      }

      await checkOpenOrderLimit(cmd);
      // Before the start: the order's views and e-mails find it by order ID (it is never in history).
      if (cmd.request.shippingAddress) await saveShippingAddress(deps.dataSource, orderId, cmd.request.shippingAddress);

      const input: PlaceOrderInput = {
        orderId,
        userId: cmd.userId,
        lines: cmd.request.items,
        paymentMethod: cmd.request.paymentMethod,
        requestHash,
        requestId: cmd.requestId,
        createdAt: new Date().toISOString(),
        paymentTimeoutMs: deps.config.ORDER_PAYMENT_TIMEOUT_MS,
        ...(cmd.placeBy !== undefined ? { placeBy: cmd.placeBy } : {}),
      };
      const accepted = (): { accepted: Accepted } => ({
        accepted: {
          status: 'ACCEPTED',
          id: orderId,
          workflowId: orderWorkflowId(orderId),
          detail: 'The order is accepted for processing; it appears at Location once priced and reserved',
        },
      });
      const notPlaced = () =>
        new ProblemError(
          503,
          'SERVICE_UNAVAILABLE',
          'Service unavailable',
          'Orders cannot be placed right now; nothing was placed. Try again.',
          {},
          { 'Retry-After': '5' },
        );

      /** One update-with-start; `afterFailedRun` names the failed run a new run replaces. */
      const submit = async (afterFailedRun?: string) => {
        const start = new WithStartWorkflowOperation<typeof placeOrder>('placeOrder', {
          workflowId: orderWorkflowId(orderId),
          taskQueue: ORDERS_TASK_QUEUE,
          args: [input],
          // A repeat while the run is open joins it; once it has answered, it is never re-run.
          // Only a run that failed at intake (checked by answerClosed) may be followed by another.
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: afterFailedRun ? 'ALLOW_DUPLICATE_FAILED_ONLY' : 'REJECT_DUPLICATE',
          typedSearchAttributes: [{ key: CustomerIdSearchAttribute, value: cmd.userId }],
          memo: {
            requestId: cmd.requestId,
            ...(cmd.checkoutToken !== undefined ? { [CHECKOUT_TOKEN_MEMO]: cmd.checkoutToken } : {}),
          },
          staticSummary: `Order ${orderId}: ${cmd.request.items.length} line(s), ${cmd.request.paymentMethod}`,
        });
        let confirmed = false;
        start.workflowHandle().then(
          () => (confirmed = true),
          () => undefined,
        );
        try {
          const submitted = await withinRouteDeadline(
            deps,
            () =>
              deps.temporal.workflow.executeUpdateWithStart(submitOrderUpdate, {
                args: [{ requestHash }],
                // The server answers an update ID it has seen with that update's outcome, even
                // from a closed run: a new run needs its own.
                updateId: afterFailedRun
                  ? `${submitOrderUpdateId(requestHash)}:after:${afterFailedRun}`
                  : submitOrderUpdateId(requestHash),
                startWorkflowOperation: start,
              }),
            // Unkeyed, the time to confirm the start comes out of the deadline, not on top of it.
            keyed ? deadline : deadline - startCheckMs(deps.config.ROUTE_DEADLINE_MS),
          );
          if (submitted.inTime) return { order: submitted.value, replayed: false };
          // With an Idempotency-Key the same request joins this run: repeating it is the way to
          // the answer. Without one a repeat would be a second order, so say where this one is.
          if (keyed)
            throw stillProcessing('The order is still being placed; repeat the request with the same Idempotency-Key');
          if (await startedUnkeyed(orderId, confirmed)) return accepted();
          throw notPlaced();
        } catch (err) {
          if (err instanceof ProblemError || isClosedRun(err)) throw err;
          const failure = applicationFailureOf(err);
          // An earlier checkout's expiry, replayed by the server: the run's state decides (answerClosed).
          if (
            keyed &&
            failure?.type === FailureType.CheckoutExpired &&
            expiredForAnotherCheckout(failure.details?.[0], cmd.placeBy)
          )
            throw new IntakeFailed();
          if (failure?.type && INTAKE_REJECTIONS.includes(failure.type)) {
            metrics.orders.inc({ outcome: 'rejected' });
            throw problemFor(failure.type, failure.message, failure.details?.[0]);
          }
          if (failure?.type === OrderFailureType.OrderIntakeFailed) {
            metrics.orders.inc({ outcome: 'rejected' });
            // Keyed: the server answers a repeat of the update with this same failure, even once
            // the run has failed; the run's state decides (answerClosed), not this answer.
            if (keyed) throw new IntakeFailed();
            throw problemFor(failure.type, failure.message);
          }
          // Temporal failed after the start may have landed: an unkeyed order must not be
          // answered "retry" if it is under way.
          if (!keyed && !failure && (await startedUnkeyed(orderId, confirmed))) return accepted();
          throw err;
        }
      };

      try {
        return await submit();
      } catch (err) {
        if (!isClosedRun(err) && !(err instanceof IntakeFailed)) throw err;
      }
      const closed = await answerClosed(orderId, requestHash, deadline);
      if ('order' in closed) return { order: closed.order, replayed: true };
      // Its intake failed and released everything: this request starts the key's next run.
      try {
        return await submit(closed.failedRunId);
      } catch (err) {
        if (!isClosedRun(err) && !(err instanceof IntakeFailed)) throw err;
      }
      const again = await answerClosed(orderId, requestHash, deadline);
      if ('order' in again) return { order: again.order, replayed: true };
      throw stillProcessing('The order could not be placed yet; repeat the request with the same Idempotency-Key');
    },

    /** Cancels with compensation; answers once refund, stock release and e-mail are done. */
    cancel: (row: OrderEntity, request: CancelOrderRequest): Promise<OrderView> =>
      // One update ID per order: a repeat joins the cancellation under way.
      updateOrder(
        row,
        decideCancel,
        () => handle(row.id).executeUpdate(cancelOrderUpdate, { args: [request], updateId: CANCEL_ORDER_UPDATE_ID }),
        'The cancellation is under way; repeat the request for its result',
      ),

    /** Ships a PAID order; the run completes. */
    ship: (row: OrderEntity): Promise<OrderView> =>
      updateOrder(
        row,
        decideShip,
        () => handle(row.id).executeUpdate(shipOrderUpdate, { args: [], updateId: SHIP_ORDER_UPDATE_ID }),
        'The shipment is being recorded; repeat the request for its result',
      ),
  };
}

export type OrderCommands = ReturnType<typeof orderCommands>;
