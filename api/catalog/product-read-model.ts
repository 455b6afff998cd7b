// The catalog read path of the gateway: cache-aside in front of the read replicas.
//
// GET a product:
// 1. Observe the product's cache entry and its "written recently" marker (one MGET on Redis).
//    A fresh entry answers at once (X-Cache: HIT).
// 2. Otherwise read the database (MISS). Concurrent misses for one product in this process share
//    one query (request coalescing: an in-flight promise per product and target). The read goes
//    to a replica, except when the product was written within RECENT_WRITE_WINDOW_SECONDS (the
//    marker exists) or the caller is an admin: then the primary answers, so an admin always reads
//    their own writes and no lagging replica refills the cache with pre-write data. A failing
//    replica falls back to the primary. Every database wait is bounded (dbTimeoutMs).
// 3. Store the answer as {product, filledAt, freshUntil} for TTL + CACHE_STALE_GRACE_SECONDS, only if
//    neither key changed since step 1 (compare-and-set: a write during the read wins).
// 4. When the database cannot answer, a cached copy past its freshness is still served (STALE);
//    without one the caller gets CatalogUnavailableError (503), never a hang or a 500.
// A cache that throws or is known down is skipped (straight to the database) behind a short
// circuit breaker, so a Redis outage costs at most one slow call per breaker period. Entries
// cached before the last moment this gateway saw the cache down are revalidated once before
// they count as HITs again: a write during the outage could not invalidate them (the write's
// durable purge workflow removes them too, but only once it next retries).
// Lists are read from the database on every call (replica; the primary for admins).
import type { Counter } from 'prom-client';
import type { Logger } from '../../common/logger';
import { CACHE_STALE_GRACE_SECONDS, type ProductView } from '../../workflows/catalog/contract';
import { type ListCursor, encodeCursor } from '../shared/keyset-cursor';
import type { ObservedEntry, ProductCacheStore } from './product-cache-store';
import type { ProductSource, ReadTarget } from './catalog.queries';

export type CacheStatus = 'HIT' | 'MISS' | 'STALE';

export interface ProductRead {
  product: ProductView;
  cache: CacheStatus;
}

export interface ProductPage {
  items: ProductView[];
  nextCursor: string | null;
}

export interface ReadOptions {
  /** Read through the primary and skip cached copies (admins: read-your-writes). */
  primary?: boolean;
}

export class CatalogUnavailableError extends Error {
  constructor(cause: unknown) {
    super('The catalog database did not answer', { cause });
    this.name = 'CatalogUnavailableError';
  }
}

class DatabaseTimeoutError extends Error {
  constructor(ms: number) {
    super(`The database did not answer within ${ms} ms`);
    this.name = 'DatabaseTimeoutError';
  }
}

export interface ProductReadModelOptions {
  source: ProductSource;
  /** Absent: no caching at all. */
  store?: ProductCacheStore;
  ttlSeconds: number;
  staleGraceSeconds?: number;
  /** Upper bound of one point read (a replica, then the primary, each get this long). */
  dbTimeoutMs?: number;
  /** Upper bound of one list query (a name filter may scan). */
  listTimeoutMs?: number;
  /** How long the cache is skipped after it failed. */
  cacheBreakerMs?: number;
  cacheRequests?: Pick<Counter<'result'>, 'inc'>;
  log?: Logger;
  now?: () => number;
}

interface CachedProduct {
  v: 1;
  product: ProductView;
  /** Epoch ms, gateway clock. */
  filledAt: number;
  freshUntil: number;
}

function decodeEntry(raw: string | null): CachedProduct | undefined {
  if (!raw) return undefined;
  try {
    const e = JSON.parse(raw) as Partial<CachedProduct>;
    if (
      e?.v === 1 &&
      e.product &&
      typeof e.product.id === 'string' &&
      typeof e.freshUntil === 'number' &&
      typeof e.filledAt === 'number'
    )
      return e as CachedProduct;
  } catch {
    // Not ours (or corrupt): a miss; the fill replaces it.
  }
  return undefined;
}

export class ProductReadModel {
  /** Counters for tests and debugging: database reads actually issued, reads that joined one. */
  readonly stats = { databaseReads: 0, coalescedReads: 0, cacheFills: 0, cacheFillsSkipped: 0, cacheErrors: 0 };

  private readonly inflight = new Map<string, Promise<ProductView | null>>();
  private cacheDownUntil = 0;
  /** Entries filled before this (the last time the cache was seen down) need revalidating. */
  private cacheSuspectBefore = 0;
  private readonly ttlSeconds: number;
  private readonly staleGraceSeconds: number;
  private readonly dbTimeoutMs: number;
  private readonly listTimeoutMs: number;
  private readonly cacheBreakerMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: ProductReadModelOptions) {
    this.ttlSeconds = opts.ttlSeconds;
    this.staleGraceSeconds = opts.staleGraceSeconds ?? CACHE_STALE_GRACE_SECONDS;
    this.dbTimeoutMs = opts.dbTimeoutMs ?? 1500;
    this.listTimeoutMs = opts.listTimeoutMs ?? 3000;
    this.cacheBreakerMs = opts.cacheBreakerMs ?? 2000;
    this.now = opts.now ?? Date.now;
  }

  /** The product, or null when it does not exist (or is deleted). Throws CatalogUnavailableError. */
  async getProduct(id: string, options: ReadOptions = {}): Promise<ProductRead | null> {
    const observed = await this.observe(id);
    const cached = decodeEntry(observed?.main ?? null);
    if (cached && !options.primary && cached.freshUntil > this.now() && cached.filledAt > this.cacheSuspectBefore) {
      this.count('hit');
      return { product: cached.product, cache: 'HIT' };
    }
    const target: ReadTarget = options.primary || observed?.written ? 'primary' : 'replica';
    let product: ProductView | null;
    try {
      product = await this.load(id, target, observed);
    } catch (err) {
      if (cached) {
        this.count('stale');
        this.warnOften(
          'stale',
          { err: (err as Error)?.message },
          'catalog database unreachable; serving stale cached products',
        );
        return { product: cached.product, cache: 'STALE' };
      }
      this.count(observed ? 'miss' : 'error');
      throw this.unavailable(err);
    }
    this.count(observed ? 'miss' : 'error');
    return product ? { product, cache: 'MISS' } : null;
  }

  /** A page of live products, newest first. Throws CatalogUnavailableError. */
  async listProducts(
    params: { limit: number; cursor?: ListCursor; q?: string },
    options: ReadOptions = {},
  ): Promise<ProductPage> {
    let rows: ProductView[];
    try {
      rows = await this.read(
        options.primary ? 'primary' : 'replica',
        (t) => this.opts.source.list({ limit: params.limit + 1, after: params.cursor, q: params.q }, t),
        this.listTimeoutMs,
      );
    } catch (err) {
      throw this.unavailable(err);
    }
    const items = rows.slice(0, params.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > params.limit && last ? encodeCursor(last) : null };
  }

  /** One database read per product and target at a time; the reader also refills the cache. */
  private load(id: string, target: ReadTarget, observed: ObservedEntry | undefined): Promise<ProductView | null> {
    const key = `${target}:${id}`;
    const running = this.inflight.get(key);
    if (running) {
      this.stats.coalescedReads++;
      return running;
    }
    const run = (async () => {
      const product = await this.read(target, (t) => this.opts.source.findById(id, t));
      if (product && observed) await this.fill(id, observed, product);
      return product;
    })();
    this.inflight.set(key, run);
    // Forgotten one macrotask after settling: a request whose cache lookup raced the fill
    // (answered "absent" just before it) still joins this read instead of issuing another.
    const forget = () =>
      setImmediate(() => {
        if (this.inflight.get(key) === run) this.inflight.delete(key);
      });
    run.then(forget, forget);
    return run;
  }

  /** Runs a read with a deadline; a replica that fails is replaced by the primary. */
  private async read<T>(
    target: ReadTarget,
    query: (t: ReadTarget) => Promise<T>,
    timeoutMs = this.dbTimeoutMs,
  ): Promise<T> {
    if (target === 'replica' && this.opts.source.replicated) {
      try {
        return await this.withDeadline(query('replica'), timeoutMs);
      } catch (err) {
        this.warnOften('replica', { err: (err as Error)?.message }, 'read replica failed; reading from the primary');
      }
      return this.withDeadline(query('primary'), timeoutMs);
    }
    return this.withDeadline(query(target), timeoutMs);
  }

  private withDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
    this.stats.databaseReads++;
    work.catch(() => undefined); // settled later than the deadline: nobody is listening
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DatabaseTimeoutError(timeoutMs)), timeoutMs);
    });
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
  }

  private async observe(id: string): Promise<ObservedEntry | undefined> {
    const store = this.opts.store;
    if (!store || this.now() < this.cacheDownUntil || !store.available()) {
      this.cacheSuspectBefore = this.now();
      return undefined;
    }
    try {
      return await store.observe(id);
    } catch (err) {
      this.cacheFailed(err);
      return undefined;
    }
  }

  private async fill(id: string, observed: ObservedEntry, product: ProductView): Promise<void> {
    const store = this.opts.store;
    if (!store || this.now() < this.cacheDownUntil) return;
    const now = this.now();
    const entry: CachedProduct = { v: 1, product, filledAt: now, freshUntil: now + this.ttlSeconds * 1000 };
    try {
      const stored = await store.fillIfUnchanged(
        id,
        observed,
        JSON.stringify(entry),
        this.ttlSeconds + this.staleGraceSeconds,
      );
      if (stored) this.stats.cacheFills++;
      else this.stats.cacheFillsSkipped++;
    } catch (err) {
      this.cacheFailed(err);
    }
  }

  private cacheFailed(err: unknown): void {
    this.stats.cacheErrors++;
    this.cacheSuspectBefore = this.now();
    const wasUp = this.now() >= this.cacheDownUntil;
    this.cacheDownUntil = this.now() + this.cacheBreakerMs;
    if (wasUp)
      this.opts.log?.warn({ err: (err as Error)?.message }, 'cache unavailable; reading straight from the database');
  }

  private count(result: 'hit' | 'miss' | 'stale' | 'error'): void {
    this.opts.cacheRequests?.inc({ result });
  }

  private unavailable(err: unknown): CatalogUnavailableError {
    this.warnOften('unavailable', { err: (err as Error)?.message }, 'catalog database unreachable; answering 503');
    return new CatalogUnavailableError(err);
  }

  /** One warning per kind per 10 s: an outage must not flood the log at the request rate. */
  private readonly lastWarned = new Map<string, number>();
  private warnOften(kind: string, fields: Record<string, unknown>, msg: string): void {
    const now = Date.now();
    if (now - (this.lastWarned.get(kind) ?? 0) < 10_000) return;
    this.lastWarned.set(kind, now);
    this.opts.log?.warn(fields, msg);
  }
}
