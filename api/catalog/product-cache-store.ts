// The two cache keys of a product as the read path sees them: its cached copy
// (productCacheKey) and its "written recently" marker (productWrittenKey, set by the write
// workflows). A read observes both; a fill stores a copy only if neither changed since, which
// closes the classic cache-aside race: a read that started before a write, and whose database
// answer predates it, can never put that answer back after the write's invalidation.
// On Redis the check and the store are one Lua script; the generic version (embedded mode's
// in-process cache, shared with the workers in one process) checks, then stores.
//
// Both keys of a product must live on one Redis node (true for the single-node or Sentinel
// Redis that REDIS_URL names); on Redis Cluster they would need a common hash tag.
import type { Redis } from 'ioredis';
import type { Cache } from '../../common/cache';
import { productCacheKey, productWrittenKey } from '../../workflows/catalog/contract';

export interface ObservedEntry {
  /** The cached copy as stored, or null. */
  main: string | null;
  /** The written-recently marker (a nonce per write), or null. */
  written: string | null;
}

export interface ProductCacheStore {
  /** False while the store is known to be unreachable (no call is made then). */
  available(): boolean;
  observe(productId: string): Promise<ObservedEntry>;
  /** Stores `value` if both keys still hold what `observed` saw; true when stored. */
  fillIfUnchanged(productId: string, observed: ObservedEntry, value: string, ttlSeconds: number): Promise<boolean>;
}

const FILL_SCRIPT = `
local main = redis.call('GET', KEYS[1]) or ''
local written = redis.call('GET', KEYS[2]) or ''
if main ~= ARGV[1] or written ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4])
return 1
`;

type RedisWithFill = Redis & {
  shopFillProductIfUnchanged(
    k1: string,
    k2: string,
    expMain: string,
    expWritten: string,
    value: string,
    ttl: number,
  ): Promise<number>;
};

export class RedisProductCacheStore implements ProductCacheStore {
  private readonly redis: RedisWithFill;

  constructor(redis: Redis) {
    if (!('shopFillProductIfUnchanged' in redis))
      redis.defineCommand('shopFillProductIfUnchanged', { numberOfKeys: 2, lua: FILL_SCRIPT });
    this.redis = redis as RedisWithFill;
  }

  available(): boolean {
    return this.redis.status === 'ready';
  }

  async observe(productId: string): Promise<ObservedEntry> {
    const [main, written] = await this.redis.mget(productCacheKey(productId), productWrittenKey(productId));
    return { main: main ?? null, written: written ?? null };
  }

  async fillIfUnchanged(
    productId: string,
    observed: ObservedEntry,
    value: string,
    ttlSeconds: number,
  ): Promise<boolean> {
    const stored = await this.redis.shopFillProductIfUnchanged(
      productCacheKey(productId),
      productWrittenKey(productId),
      observed.main ?? '',
      observed.written ?? '',
      value,
      ttlSeconds,
    );
    return stored === 1;
  }
}

export class GenericProductCacheStore implements ProductCacheStore {
  constructor(private readonly cache: Cache) {}

  available(): boolean {
    return true;
  }

  async observe(productId: string): Promise<ObservedEntry> {
    const [main, written] = await Promise.all([
      this.cache.get(productCacheKey(productId)),
      this.cache.get(productWrittenKey(productId)),
    ]);
    return { main: main ?? null, written: written ?? null };
  }

  async fillIfUnchanged(
    productId: string,
    observed: ObservedEntry,
    value: string,
    ttlSeconds: number,
  ): Promise<boolean> {
    const now = await this.observe(productId);
    if (now.main !== observed.main || now.written !== observed.written) return false;
    await this.cache.set(productCacheKey(productId), value, ttlSeconds);
    return true;
  }
}

/** The Redis store when the cache is the gateway's Redis, else the generic one. */
export function productCacheStoreFor(cache: Cache, redis?: Redis): ProductCacheStore {
  return cache.kind === 'redis' && redis ? new RedisProductCacheStore(redis) : new GenericProductCacheStore(cache);
}
