// RED metrics per route template (never the raw path, which would explode cardinality).
import type { Middleware } from 'koa';
import type { BusinessMetrics } from '../../common/metrics';
import type { ShopState } from '../context';

export function httpMetrics(m: BusinessMetrics): Middleware<ShopState> {
  return async (ctx, next) => {
    const end = m.httpDuration.startTimer();
    try {
      await next();
    } finally {
      const route = (ctx as unknown as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      end({ method: ctx.method, route: String(route), status_code: String(ctx.status) });
    }
  };
}
