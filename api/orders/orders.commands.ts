// The gateway's side of the placeOrder workflow: update-with-start for placement, updates for
// cancel and ship, and the answers for workflows that have already closed (from the order
// row, or the run's result for a request that was refused at intake).
import { randomUUID } from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { businessMetrics } from '../../common/metrics';
import type { OrderEntity } from '../../db/entities';
import { saveShippingAddress } from '../../db/shipping-addresses';
import { acceptedOrderView, toOrderView } from '../../db/views';
import {
  CANCEL_ORDER_UPDATE_ID,
  type CancelOrderRequest,
  CustomerIdSearchAttribute,
  INTAKE_REJECTIONS,
  ORDERS_TASK_QUEUE,
  OrderFailureType,
  type OrderView,
  type PlaceOrderInput,
  SHIP_ORDER_UPDATE_ID,
  cancelOrderUpdate,
  orderWorkflowId,
  shipOrderUpdate,
  submitOrderUpdate,
  submitOrderUpdateId,
} from '../../workflows/orders/contract';
import { type Decision, decideCancel, decideShip, stateOfStatus } from '../../workflows/orders/order-state';
import type { placeOrder } from '../../workflows/orders/place-order.workflow';
import { FailureType, applicationFailureOf } from '../../workflows/shared/failures';
import type { ApiDeps } from '../context';
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
    "This order's process has been stopped by an operator; it can no longer be changed here",
  );

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
}

export function orderCommands(deps: ApiDeps) {
  const metrics = businessMetrics(deps.metrics);
  const handle = (orderId: string) => deps.temporal.workflow.getHandle<typeof placeOrder>(orderWorkflowId(orderId));

  /** A repeat of an accepted order: the 201 body it got the first time. */
  function replay(row: OrderEntity, requestHash: string | null): OrderView {
    if (row.requestHash !== requestHash) throw keyReused();
    return acceptedOrderView(row);
  }

  /** The answer for a run that has closed: the accepted order, or the intake refusal again. */
  async function answerClosed(orderId: string, requestHash: string | null): Promise<OrderView> {
    const row = await findOrder(deps.dataSource, orderId, { primary: true });
    if (row) return replay(row, requestHash);
    const result = await handle(orderId).result();
    if (result.outcome !== 'REJECTED') throw new Error(`order ${orderId} completed without an order row`);
    if (result.requestHash !== requestHash) throw keyReused();
    throw problemFor(result.rejection.type, result.rejection.message, result.rejection.details);
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

  return {
    /**
     * Places an order (or answers a repeat of one). Returns once the order is priced and its
     * stock reserved; throws the refusal (409 OUT_OF_STOCK, 422 UNKNOWN_PRODUCT...) otherwise.
     */
    async place(cmd: PlaceOrderCommand): Promise<{ order: OrderView; replayed: boolean } | { accepted: Accepted }> {
      const orderId = cmd.idempotencyKey ? orderIdFor(cmd.userId, cmd.idempotencyKey) : randomUUID();
      const requestHash = cmd.idempotencyKey ? orderRequestHash(cmd.request) : null;

      // Once the row exists the order was accepted, and the answer never changes: no workflow call.
      if (cmd.idempotencyKey) {
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
      };
      try {
        const submitted = await withinRouteDeadline(deps, () =>
          deps.temporal.workflow.executeUpdateWithStart(submitOrderUpdate, {
            args: [{ requestHash }],
            updateId: submitOrderUpdateId(requestHash),
            startWorkflowOperation: new WithStartWorkflowOperation<typeof placeOrder>('placeOrder', {
              workflowId: orderWorkflowId(orderId),
              taskQueue: ORDERS_TASK_QUEUE,
              args: [input],
              // A repeat while the run is open joins it; once it has closed, it is never re-run.
              workflowIdConflictPolicy: 'USE_EXISTING',
              workflowIdReusePolicy: 'REJECT_DUPLICATE',
              typedSearchAttributes: [{ key: CustomerIdSearchAttribute, value: cmd.userId }],
              memo: { requestId: cmd.requestId },
              staticSummary: `Order ${orderId}: ${cmd.request.items.length} line(s), ${cmd.request.paymentMethod}`,
            }),
          }),
        );
        if (submitted.inTime) return { order: submitted.value, replayed: false };
        // With an Idempotency-Key the same request joins this run: repeating it is the way to the
        // answer. Without one a repeat would be a second order, so say where this one will be.
        if (cmd.idempotencyKey)
          throw stillProcessing('The order is still being placed; repeat the request with the same Idempotency-Key');
        return {
          accepted: {
            status: 'ACCEPTED',
            id: orderId,
            workflowId: orderWorkflowId(orderId),
            detail: 'The order is accepted for processing; it appears at Location once priced and reserved',
          },
        };
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError || err instanceof WorkflowNotFoundError) {
          return { order: await answerClosed(orderId, requestHash), replayed: true };
        }
        const failure = applicationFailureOf(err);
        if (
          failure?.type &&
          (INTAKE_REJECTIONS.includes(failure.type) || failure.type === OrderFailureType.OrderIntakeFailed)
        ) {
          metrics.orders.inc({ outcome: 'rejected' });
          throw problemFor(failure.type, failure.message, failure.details?.[0]);
        }
        throw err;
      }
    },

    /** Cancels with compensation; answers once refund, stock release and e-mail are done. */
    async cancel(row: OrderEntity, request: CancelOrderRequest): Promise<OrderView> {
      const decide = (r: OrderEntity): OrderView | undefined => {
        const d = decideCancel(stateOfStatus(r.status as OrderView['status']));
        if (d.verdict === 'unchanged') return toOrderView(r);
        if (d.verdict === 'reject') throw decisionProblem(d);
        return undefined;
      };
      const early = decide(row);
      if (early) return early;
      try {
        const cancelled = await withinRouteDeadline(deps, () =>
          handle(row.id).executeUpdate(cancelOrderUpdate, { args: [request], updateId: CANCEL_ORDER_UPDATE_ID }),
        );
        // One update ID per order: a repeat joins the cancellation under way.
        if (!cancelled.inTime)
          throw stillProcessing('The cancellation is under way; repeat the request for its result');
        return cancelled.value;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        // The run closed meanwhile (shipped, cancelled): answer from the final row.
        const final = await findOrder(deps.dataSource, row.id, { primary: true });
        const answer = final && decide(final);
        if (answer) return answer;
        throw processClosed();
      }
    },

    /** Ships a PAID order; the run completes. */
    async ship(row: OrderEntity): Promise<OrderView> {
      const check = (r: OrderEntity) => {
        const d = decideShip(stateOfStatus(r.status as OrderView['status']));
        if (d.verdict === 'reject') throw decisionProblem(d);
      };
      check(row);
      try {
        const shipped = await withinRouteDeadline(deps, () =>
          handle(row.id).executeUpdate(shipOrderUpdate, { args: [], updateId: SHIP_ORDER_UPDATE_ID }),
        );
        if (!shipped.inTime) throw stillProcessing('The shipment is being recorded; repeat the request for its result');
        return shipped.value;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        const final = await findOrder(deps.dataSource, row.id, { primary: true });
        if (final) check(final);
        if (final?.status === 'SHIPPED') return toOrderView(final);
        throw processClosed();
      }
    },
  };
}

export type OrderCommands = ReturnType<typeof orderCommands>;
