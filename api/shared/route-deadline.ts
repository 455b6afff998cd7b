// Every write route waits on Temporal for at most ROUTE_DEADLINE_MS. Past it the route answers
// at once instead of leaving the client hanging: 202 + Location where the work was durably
// started and goes on, 503 + Retry-After where repeating the request is safe (it joins the
// same run). Which one is the route's call; this only says whether the wait ended in time.
import {
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcCancelledError,
  isGrpcDeadlineError,
} from '@temporalio/client';
import type { ApiDeps } from '../context';
import { ProblemError } from '../problem';

export type Bounded<T> = { inTime: true; value: T } | { inTime: false };

/** The answer body of a 202: the work is accepted and will complete. */
export interface Accepted {
  status: 'ACCEPTED';
  id: string;
  workflowId: string;
  detail: string;
}

function isDeadlineError(err: unknown): boolean {
  for (let cur = err, i = 0; cur && i < 4; cur = (cur as { cause?: unknown }).cause, i++) {
    if (cur instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
    if (isGrpcDeadlineError(cur) || isGrpcCancelledError(cur)) return true;
  }
  return false;
}

/**
 * Runs `work` (Temporal calls only) under the route deadline; `deadline` (epoch ms) when the
 * route makes several calls under one deadline.
 */
export async function withinRouteDeadline<T>(
  deps: ApiDeps,
  work: () => Promise<T>,
  deadline = Date.now() + deps.config.ROUTE_DEADLINE_MS,
): Promise<Bounded<T>> {
  const call = deps.temporal.connection.withDeadline(deadline, work);
  // The gRPC deadline bounds each call, but not the client's own waiting around them (a
  // channel reconnecting after a server restart, retries inside the SDK): a timer is the bound.
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), deadline - Date.now())));
  try {
    const first = await Promise.race([call, late]);
    if (first === 'late') {
      call.catch(() => undefined); // it ends on its own; nobody waits for it any more
      return { inTime: false };
    }
    return { inTime: true, value: first };
  } catch (err) {
    // The server may end the long poll a little before the deadline (CANCELLED).
    if (Date.now() >= deadline - 250 && isDeadlineError(err)) return { inTime: false };
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** 503 for a request that may simply be repeated. */
export const stillProcessing = (detail: string) =>
  new ProblemError(503, 'STILL_PROCESSING', 'Service unavailable', detail, {}, { 'Retry-After': '5' });
