// Request ID (accepted from X-Request-Id when sane, else generated), echoed on the response
// and bound into a child logger, so every log line of a request, and the workflows it starts,
// carry it. One access-log line per request. The request also runs in a log context
// (common/log-context.ts) that the Temporal client interceptor forwards to the workflows it
// starts, updates or signals, with the authenticated user once auth has run.
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { runWithLogContext } from '../../common/log-context';
import type { Logger } from '../../common/logger';
import type { ShopState } from '../context';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestContext(log: Logger): Middleware<ShopState> {
  return async (ctx, next) => {
    const incoming = ctx.get('X-Request-Id');
    const requestId = SAFE_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = log.child({ requestId });
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    try {
      await runWithLogContext(
        {
          requestId,
          get userId() {
            return ctx.state.user?.sub;
          },
        },
        next,
      );
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const level = ctx.status >= 500 ? 'error' : 'info';
      ctx.state.log[level](
        {
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          ms: Math.round(ms * 10) / 10,
          userId: ctx.state.user?.sub,
        },
        'request',
      );
    }
  };
}
