// koa-ratelimit with the documented fallback policy: the shared Redis store while Redis is
// ready, the process's own memory store when it is not (limits then hold per gateway
// instance instead of cluster-wide). A Redis outage never turns into 500s or an open door.
import type { Redis } from 'ioredis';
import type { Middleware } from 'koa';
import ratelimit from 'koa-ratelimit';
import type { Counter } from 'prom-client';
import type { ShopContext, ShopState } from '../context';

export interface LimitOptions {
  name: string;
  max: number;
  durationMs: number;
  id: (ctx: ShopContext) => string | false;
  redis?: Redis;
  rejections: Counter<'limiter'>;
}

export function rateLimit(opts: LimitOptions): Middleware<ShopState> {
  const common = {
    duration: opts.durationMs,
    max: opts.max,
    id: (ctx: ShopContext) => `${opts.name}:${opts.id(ctx)}`,
    whitelist: (ctx: ShopContext) => opts.id(ctx) === false,
    throw: true,
    errorMessage: 'Rate limit exceeded',
    headers: { remaining: 'RateLimit-Remaining', reset: 'RateLimit-Reset', total: 'RateLimit-Limit' },
  };
  const memory = ratelimit({ ...common, driver: 'memory', db: new Map() } as never) as unknown as Middleware<ShopState>;
  const shared = opts.redis
    ? (ratelimit({ ...common, driver: 'redis', db: opts.redis } as never) as unknown as Middleware<ShopState>)
    : undefined;

  // A breaker: after a Redis error the shared store is skipped for a while, so a Redis that
  // hangs (rather than refusing) costs one command timeout, not one per request.
  let sharedDownUntil = 0;
  return async (ctx, next) => {
    const limiter = shared && opts.redis?.status === 'ready' && Date.now() >= sharedDownUntil ? shared : memory;
    let downstream = false;
    try {
      await limiter(ctx, () => {
        downstream = true;
        return next();
      });
    } catch (err) {
      if ((err as { status?: number }).status === 429) {
        opts.rejections.inc({ limiter: opts.name });
        throw err;
      }
      // The Redis store failed before the request went on: count it locally instead.
      if (!downstream && limiter === shared) {
        sharedDownUntil = Date.now() + 5000;
        return memory(ctx, next);
      }
      throw err;
    }
  };
}
