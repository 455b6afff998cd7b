// The activities placeOrder calls, each with the timeouts and retries its role in the process
// needs. Every trip through the Temporal server costs the customer latency and the server CPU,
// so the order path takes as few as it can (measured in bench/README.md): intake is one catalog
// activity, the order-row writes and the e-mail hand-offs are local activities of this pool
// (short, local, idempotent; ordinary ones during an outage), and only the charge and the stock compensation are scheduled
// through the server.
import {
  ActivityCancellationType,
  type RetryPolicy,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { StockActivities } from '../../activities/catalog/stock.activities';
import type { OrderActivities } from '../../activities/orders/order.activities';
import { CATALOG_TASK_QUEUE } from '../catalog/contract';
import { FailureType, applicationFailureOf } from '../shared/failures';
import { INTAKE_REJECTIONS, OrderFailureType } from './contract';

/**
 * Intake runs while the customer waits for the HTTP answer, so it is bounded: if the catalog
 * cannot price and reserve within 30 s, the request is refused rather than left hanging.
 */
export const intake = proxyActivities<StockActivities>({
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

/** Compensation must happen whatever the outage: retried without an attempt limit. */
export const compensation = proxyActivities<StockActivities>({
  taskQueue: CATALOG_TASK_QUEUE,
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** The read model: a database outage is waited out; a stray status is a bug, not retried. */
const READ_MODEL_RETRY: RetryPolicy = {
  initialInterval: '200ms',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  nonRetryableErrorTypes: [FailureType.InvalidTransition, FailureType.ValidationFailed],
};

/**
 * The order-row writes and the e-mail hand-off: one short database or Temporal call each, run by
 * this worker inside the workflow task. A local activity retried in-process keeps the workflow
 * task open, and the SDK heartbeats it with new history events all the while: a long database
 * outage would grow the history until the server terminates the run. So a write is tried
 * locally for a few seconds only, then scheduled as an ordinary activity on this pool, whose
 * retries cost no history at all, however long the outage lasts.
 */
const localFirst = proxyLocalActivities<OrderActivities>({
  startToCloseTimeout: '5s',
  // About 3 s of attempts (an attempt limit: the SDK does not end local retries at a
  // schedule-to-close timeout while the workflow task is being heartbeaten).
  retry: { ...READ_MODEL_RETRY, maximumAttempts: 5 },
});
const durable = proxyActivities<OrderActivities>({ startToCloseTimeout: '10s', retry: READ_MODEL_RETRY });

type ReadModelActivities = Pick<OrderActivities, 'openOrder' | 'recordTransition' | 'startOrderEmail'>;

function localThenDurable<K extends keyof ReadModelActivities>(name: K): ReadModelActivities[K] {
  return (async (input: Parameters<ReadModelActivities[K]>[0]) => {
    const call = (proxy: ReadModelActivities) =>
      (proxy[name] as (arg: typeof input) => ReturnType<(typeof proxy)[K]>)(input);
    try {
      return await call(localFirst);
    } catch (err) {
      if (applicationFailureOf(err)?.nonRetryable || isNonRetryableType(err)) throw err;
      return await call(durable);
    }
  }) as ReadModelActivities[K];
}

const isNonRetryableType = (err: unknown) =>
  READ_MODEL_RETRY.nonRetryableErrorTypes!.includes(applicationFailureOf(err)?.type ?? '');

export const local: ReadModelActivities = {
  openOrder: localThenDurable('openOrder'),
  recordTransition: localThenDurable('recordTransition'),
  startOrderEmail: localThenDurable('startOrderEmail'),
};

/**
 * The charge is retried without an attempt limit: the payment deadline (a workflow timer) bounds
 * it, and then cancels it. Heartbeats make a crashed worker visible within 5 s, and
 * WAIT_CANCELLATION_COMPLETED means a cancelled charge has really stopped before we refund.
 */
export const payments = proxyActivities<OrderActivities>({
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

/** Refunds give money back: retried until they succeed. */
export const refunds = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '1m' },
});
