// The correlation keys of the work in progress (requestId, userId, orderId), held in an
// AsyncLocalStorage for Node code: the gateway's request-context middleware opens one per HTTP
// request, the activity interceptor one per activity execution. The Temporal client interceptor
// (common/temporal.ts) reads it to put the keys in a header of every workflow start, update and
// signal, so no route handler has to pass them. Workflow code cannot use this module (Node
// built-in): the sandbox side lives in workflows/shared/log-context.interceptors.ts.
import { AsyncLocalStorage } from 'node:async_hooks';
import { type LogContext, sanitizeLogContext } from '../workflows/shared/log-context.interceptors';

export type { LogContext };

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs `fn` with `context` as the current log context. The object is read at use time, so a
 * getter (e.g. `get userId() { return ctx.state.user?.sub }`) reflects values set later in the
 * request, such as the authenticated user.
 */
export function runWithLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** A snapshot of the current log context with only well-formed keys, or undefined outside one. */
export function currentLogContext(): LogContext | undefined {
  const store = storage.getStore();
  if (!store) return undefined;
  const snapshot = sanitizeLogContext({ requestId: store.requestId, userId: store.userId, orderId: store.orderId });
  return Object.keys(snapshot).length ? snapshot : undefined;
}
