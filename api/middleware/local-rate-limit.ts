// The general (per-client) rate limit, local first: each gateway counts hits in its own memory and
// decides from the last cluster-wide total it knows plus its own hits not yet synchronised; the
// deltas go to Redis in batches (one pipeline of INCRBY + PEXPIRE per key every `syncMs`, or at
// once when a key has `batch` unsynchronised hits), and each reply brings back the cluster total.
// A request makes no Redis round trip of its own, except the one in `batch` that finds its key's
// batch full: it waits for that key's sync and decides on the fresh total.
//
// Windows are fixed and aligned to the epoch (`floor(now / durationMs)`), so every instance counts
// into the same Redis key for the same window. The cluster-wide limit is approximate within a
// bound: an instance admits a hit on a view that misses at most the other instances'
// unsynchronised hits, and each instance holds at most `batch` of those per key (fewer when the
// client sends fewer in one sync interval). Over one window a client gets at most
// `max + instances × min(batch, its hits per instance in syncMs + a Redis round trip)` requests
// through (docs/security.md); one instance alone is exact.
//
// While Redis is unavailable (not ready, or a sync failed: a breaker then skips it for 5 s) the
// decision is local: the last known total plus this process's hits, so the limit holds per
// instance as before (never a 500, never an open door). Keys are client-chosen (addresses):
// at most `maxKeys` are held, oldest window first (an evicted key starts afresh here, like
// BoundedLimitStore).
import type { Redis } from 'ioredis';
import type { Middleware } from 'koa';
import type { Counter } from 'prom-client';
import type { ShopContext, ShopState } from '../context';
import { MEMORY_STORE_MAX_KEYS, resetDeltaSeconds, retryAfterSeconds } from './rate-limit';

/** Where the instances add up their counts (Redis in production). */
export interface SharedCounts {
  available(): boolean;
  /** Adds each delta to its key (which expires after ttlMs) and answers each key's new total. */
  add(batch: readonly { key: string; delta: number; ttlMs: number }[]): Promise<number[]>;
}

export function redisCounts(redis: Redis): SharedCounts {
  return {
    available: () => redis.status === 'ready',
    async add(batch) {
      const pipeline = redis.pipeline();
      for (const { key, delta, ttlMs } of batch) pipeline.incrby(key, delta).pexpire(key, ttlMs);
      const replies = (await pipeline.exec()) ?? [];
      return batch.map((_, i) => {
        const [err, total] = replies[2 * i] ?? [new Error('no reply')];
        if (err) throw err;
        return Number(total);
      });
    },
  };
}

interface Entry {
  window: number;
  /** The cluster total of this window at the last sync (our synced hits included). */
  known: number;
  /** Hits admitted here and not yet sent. */
  pending: number;
  /** Hits sent in the sync under way. */
  inflight: number;
}

export interface LocalFirstOptions {
  max: number;
  durationMs: number;
  /** The sync interval. */
  syncMs: number;
  /** Unsynchronised hits per key after which a key syncs at once (and further hits wait for it). */
  batch: number;
  shared?: SharedCounts;
  /** Prefix of the shared keys. */
  keyPrefix: string;
  maxKeys?: number;
  now?: () => number;
  /** How long the shared store is skipped after a failed sync. */
  breakerMs?: number;
}

export interface Verdict {
  allowed: boolean;
  /** Hits counted in the window after this one (when allowed). */
  count: number;
  /** End of the window, epoch ms. */
  resetMs: number;
}

export class LocalFirstLimiter {
  private readonly entries = new Map<string, Entry>();
  private dirty = new Set<string>();
  private flushing: Promise<void> | undefined;
  private downUntil = 0;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly maxKeys: number;
  /** Syncs sent (for tests and metrics). */
  syncs = 0;

  constructor(private readonly opts: LocalFirstOptions) {
    this.now = opts.now ?? Date.now;
    this.maxKeys = opts.maxKeys ?? MEMORY_STORE_MAX_KEYS;
    if (opts.shared) {
      this.timer = setInterval(() => void this.sync(), opts.syncMs);
      this.timer.unref();
    }
  }

  get keys(): number {
    return this.entries.size;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private sharedUp(): boolean {
    return !!this.opts.shared && this.opts.shared.available() && this.now() >= this.downUntil;
  }

  private entry(id: string, window: number): Entry {
    let e = this.entries.get(id);
    if (e && e.window === window) return e;
    e = { window, known: 0, pending: 0, inflight: 0 };
    // Re-inserted at the end: the map stays in order of window start.
    this.entries.delete(id);
    this.entries.set(id, e);
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.maxKeys && entry.window >= window) break;
      this.entries.delete(oldest);
      this.dirty.delete(oldest);
    }
    return e;
  }

  async hit(id: string): Promise<Verdict> {
    const { max, durationMs, batch } = this.opts;
    for (;;) {
      const window = Math.floor(this.now() / durationMs);
      const e = this.entry(id, window);
      const resetMs = (window + 1) * durationMs;
      const count = e.known + e.pending + e.inflight;
      if (count >= max) return { allowed: false, count, resetMs };
      if (e.pending + e.inflight >= batch && this.sharedUp()) {
        // This key's batch is full: wait for its sync (a failed one opens the breaker, and
        // the next turn decides locally).
        await this.sync();
        continue;
      }
      e.pending++;
      // Marked even while Redis is away (at most one mark per held key): sent once it is back.
      if (this.opts.shared) this.dirty.add(id);
      if (e.pending + e.inflight >= batch && this.sharedUp()) void this.sync();
      return { allowed: true, count: count + 1, resetMs };
    }
  }

  /** Sends every key's unsynchronised hits; joins the sync under way if there is one (then sends what came since). */
  async sync(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.dirty.size === 0 || !this.sharedUp()) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async flush(): Promise<void> {
    const { durationMs, keyPrefix, shared } = this.opts;
    const keys = this.dirty;
    this.dirty = new Set();
    const now = this.now();
    const sent: { id: string; e: Entry; delta: number }[] = [];
    for (const id of keys) {
      const e = this.entries.get(id);
      if (!e || e.pending === 0 || e.window !== Math.floor(now / durationMs)) continue;
      sent.push({ id, e, delta: e.pending });
      e.inflight += e.pending;
      e.pending = 0;
    }
    if (sent.length === 0) return;
    this.syncs++;
    try {
      const totals = await shared!.add(
        sent.map(({ id, e, delta }) => ({
          key: `${keyPrefix}${id}:${e.window}`,
          delta,
          ttlMs: (e.window + 1) * durationMs - now + 1000,
        })),
      );
      sent.forEach(({ e, delta }, i) => {
        e.inflight -= delta;
        e.known = Math.max(e.known, totals[i]);
      });
    } catch {
      this.downUntil = this.now() + (this.opts.breakerMs ?? 5000);
      // Counted here still; sent with the key's next hit once Redis is back.
      for (const { id, e, delta } of sent) {
        e.inflight -= delta;
        e.pending += delta;
        if (this.entries.get(id) === e) this.dirty.add(id);
      }
    }
  }
}

export interface LocalFirstLimitOptions {
  name: string;
  max: number;
  durationMs: number;
  syncMs: number;
  /** Default: a tenth of max (at least 1). */
  batch?: number;
  id: (ctx: ShopContext) => string | false;
  redis?: Redis;
  rejections: Counter<'limiter'>;
  memoryStoreMax?: number;
}

/** The middleware: koa-ratelimit's headers (RateLimit-*), 429 with Retry-After, the rejections counter. */
export function localFirstRateLimit(
  opts: LocalFirstLimitOptions,
): Middleware<ShopState> & { limiter: LocalFirstLimiter; memoryKeys(): number } {
  const limiter = new LocalFirstLimiter({
    max: opts.max,
    durationMs: opts.durationMs,
    syncMs: opts.syncMs,
    batch: opts.batch ?? Math.max(1, Math.ceil(opts.max / 10)),
    shared: opts.redis ? redisCounts(opts.redis) : undefined,
    keyPrefix: `limit:local:${opts.name}:`,
    maxKeys: opts.memoryStoreMax,
  });
  const middleware: Middleware<ShopState> = async (ctx, next) => {
    const id = opts.id(ctx);
    if (id === false) return next();
    const { allowed, count, resetMs } = await limiter.hit(id);
    const now = Date.now();
    const headers: Record<string, string> = {
      'RateLimit-Remaining': String(Math.max(0, opts.max - count)),
      // Delta-seconds (draft-ietf-httpapi-ratelimit-headers), as the koa-ratelimit limiter sends it.
      'RateLimit-Reset': String(resetDeltaSeconds(resetMs, now)),
      'RateLimit-Limit': String(opts.max),
    };
    ctx.set(headers);
    if (allowed) return next();
    opts.rejections.inc({ limiter: opts.name });
    headers['Retry-After'] = String(retryAfterSeconds(resetMs, now));
    ctx.set('Retry-After', headers['Retry-After']);
    ctx.throw(429, 'Rate limit exceeded', { headers });
  };
  return Object.assign(middleware, { limiter, memoryKeys: () => limiter.keys });
}
