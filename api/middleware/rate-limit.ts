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
  /** Keys the in-process store keeps at most (keys carry client-chosen text: IPs, e-mails). */
  memoryStoreMax?: number;
}

/** The in-process store's default bound: ~100 bytes a key, so about 10 MB at most. */
export const MEMORY_STORE_MAX_KEYS = 100_000;

/**
 * The memory driver's Map, bounded. koa-ratelimit re-initialises a key with `set` when its window
 * expires and never deletes one, so a plain Map grows with every address or e-mail ever seen.
 * Here `set` moves the key to the end, which keeps the entries in order of window start: expired
 * windows are dropped from the front as new ones arrive, and past `max` keys the oldest window
 * goes (that key starts a fresh budget: the price of a bounded store under a flood of keys).
 */
export class BoundedLimitStore<V extends { reset: number }> extends Map<string, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: string, value: V): this {
    super.delete(key);
    super.set(key, value);
    const nowSeconds = Date.now() / 1000;
    for (const [oldest, entry] of this) {
      if (this.size <= this.max && entry.reset > nowSeconds) break;
      super.delete(oldest);
    }
    return this;
  }
}

/**
 * Seconds until `resetMs` (epoch ms) as the IETF ratelimit-headers draft's `RateLimit-Reset`
 * (delta-seconds, rounded up, never negative), the same on every limiter.
 */
export const resetDeltaSeconds = (resetMs: number, nowMs = Date.now()) =>
  Math.max(0, Math.ceil((resetMs - nowMs) / 1000));

/** `Retry-After` of a 429: the seconds until the budget resets, at least 1 (0 would invite a retry at once). */
export const retryAfterSeconds = (resetMs: number, nowMs = Date.now()) =>
  Math.max(1, resetDeltaSeconds(resetMs, nowMs));

/**
 * koa-ratelimit sends the window's end as epoch seconds in `RateLimit-Reset` (and a truncated
 * `Retry-After`, 0 in the last second): rewritten here as delta-seconds, on the answer and on a
 * 429's own headers, so this limiter answers like the local-first one.
 */
function toDeltaSeconds(ctx: ShopContext, windowMs: number, refused?: Record<string, unknown>): void {
  const epochS = Number(refused ? refused['RateLimit-Reset'] : ctx.response.get('RateLimit-Reset'));
  if (!Number.isFinite(epochS) || epochS <= 0) return;
  // Its clock (hrtime from a wall-clock reading at load) may run a little ahead of Date.now():
  // a window is never more than its length away.
  const now = Date.now();
  const resetMs = Math.min(epochS * 1000, now + windowMs);
  const reset = String(resetDeltaSeconds(resetMs, now));
  ctx.set('RateLimit-Reset', reset);
  if (!refused) return;
  refused['RateLimit-Reset'] = reset;
  refused['Retry-After'] = String(retryAfterSeconds(resetMs, now));
  ctx.set('Retry-After', refused['Retry-After'] as string);
}

export function rateLimit(opts: LimitOptions): Middleware<ShopState> & { memoryKeys(): number } {
  const common = {
    duration: opts.durationMs,
    max: opts.max,
    id: (ctx: ShopContext) => `${opts.name}:${opts.id(ctx)}`,
    whitelist: (ctx: ShopContext) => opts.id(ctx) === false,
    throw: true,
    errorMessage: 'Rate limit exceeded',
    headers: { remaining: 'RateLimit-Remaining', reset: 'RateLimit-Reset', total: 'RateLimit-Limit' },
  };
  const store = new BoundedLimitStore<{ reset: number }>(opts.memoryStoreMax ?? MEMORY_STORE_MAX_KEYS);
  const memory = ratelimit({ ...common, driver: 'memory', db: store } as never) as unknown as Middleware<ShopState>;
  const shared = opts.redis
    ? (ratelimit({ ...common, driver: 'redis', db: opts.redis } as never) as unknown as Middleware<ShopState>)
    : undefined;

  // A breaker: after a Redis error the shared store is skipped for a while, so a Redis that
  // hangs (rather than refusing) costs one command timeout, not one per request.
  let sharedDownUntil = 0;
  const middleware: Middleware<ShopState> = async (ctx, next) => {
    // Not limited: passed on untouched (koa-ratelimit's whitelist, without its header rewrite below).
    if (opts.id(ctx) === false) return next();
    let downstream = false;
    const attempt = async (limiter: Middleware<ShopState>) => {
      try {
        await limiter(ctx, () => {
          downstream = true;
          toDeltaSeconds(ctx, opts.durationMs);
          return next();
        });
      } catch (err) {
        if ((err as { status?: number }).status === 429) {
          opts.rejections.inc({ limiter: opts.name });
          // This limiter's own refusal (a later limiter's 429 carries its own headers already).
          if (!downstream)
            toDeltaSeconds(ctx, opts.durationMs, ((err as { headers?: Record<string, unknown> }).headers ??= {}));
        }
        throw err;
      }
    };
    if (!(shared && opts.redis?.status === 'ready' && Date.now() >= sharedDownUntil)) return attempt(memory);
    try {
      await attempt(shared);
    } catch (err) {
      // The Redis store failed before the request went on: count it locally instead.
      if (!downstream && (err as { status?: number }).status !== 429) {
        sharedDownUntil = Date.now() + 5000;
        return attempt(memory);
      }
      throw err;
    }
  };
  return Object.assign(middleware, { memoryKeys: () => store.size });
}
