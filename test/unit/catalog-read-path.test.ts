// The read model's policy with a fake database (the real one is exercised by the integration
// tests): cache states, coalescing, the compare-and-set fill, replica/primary routing, deadlines,
// STALE, the cache breaker; plus the cursor and the request schemas.
import { MemoryCache } from '../../common/cache';
import { decodeCursor, encodeCursor } from '../../api/shared/keyset-cursor';
import { createProductSchema, listProductsQuery, updateProductSchema } from '../../api/catalog/catalog.input';
import {
  GenericProductCacheStore,
  type ObservedEntry,
  type ProductCacheStore,
} from '../../api/catalog/product-cache-store';
import {
  type ListParams,
  type ProductSource,
  type ReadTarget,
  containsPattern,
} from '../../api/catalog/catalog.queries';
import { CatalogUnavailableError, ProductReadModel } from '../../api/catalog/product-read-model';
import { type ProductView, productCacheKey, productWrittenKey } from '../../workflows/catalog/contract';

const ID = '3f2b6c1e-8a4d-4c2b-9e1f-0a1b2c3d4e5f';
const product = (over: Partial<ProductView> = {}): ProductView => ({
  id: ID,
  sku: 'SKU-1',
  name: 'Lamp',
  description: '',
  priceCents: 100,
  currency: 'USD',
  stock: 3,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

class FakeSource implements ProductSource {
  replicated = true;
  readonly rows = new Map<string, ProductView>([[ID, product()]]);
  readonly calls: ReadTarget[] = [];
  readonly failing = new Set<ReadTarget>();
  readonly hanging = new Set<ReadTarget>();
  private gate?: Promise<void>;
  private open?: () => void;

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }
  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  async findById(id: string, target: ReadTarget): Promise<ProductView | null> {
    this.calls.push(target);
    if (this.hanging.has(target)) await new Promise(() => undefined);
    await this.gate;
    if (this.failing.has(target)) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    return this.rows.get(id) ?? null;
  }

  async list(params: ListParams, target: ReadTarget): Promise<ProductView[]> {
    this.calls.push(target);
    if (this.failing.has(target)) throw new Error('down');
    return [...this.rows.values()].slice(0, params.limit);
  }
}

class BrokenStore implements ProductCacheStore {
  calls = 0;
  available() {
    return true;
  }
  async observe(): Promise<ObservedEntry> {
    this.calls++;
    throw new Error('Command timed out');
  }
  async fillIfUnchanged(): Promise<boolean> {
    this.calls++;
    throw new Error('Command timed out');
  }
}

/** Separate requests arrive in separate event-loop turns (a finished read is shared for one turn). */
const nextTurn = () => new Promise((r) => setImmediate(r));

function setup(opts: { store?: ProductCacheStore; dbTimeoutMs?: number } = {}) {
  let now = 1_000_000;
  const cache = new MemoryCache();
  const source = new FakeSource();
  const counts: Record<string, number> = {};
  const model = new ProductReadModel({
    source,
    store: opts.store ?? new GenericProductCacheStore(cache),
    ttlSeconds: 60,
    dbTimeoutMs: opts.dbTimeoutMs ?? 200,
    cacheBreakerMs: 1000,
    cacheRequests: {
      inc: ((labels: { result: string }) => {
        counts[labels.result] = (counts[labels.result] ?? 0) + 1;
      }) as never,
    },
    now: () => now,
  });
  const get = async (id: string, o?: { primary?: boolean }) => {
    const r = await model.getProduct(id, o);
    await nextTurn();
    return r;
  };
  return { model, get, source, cache, counts, advance: (ms: number) => (now += ms) };
}

describe('ProductReadModel.getProduct', () => {
  it('MISS from a replica, then HIT, then MISS again once the copy is no longer fresh', async () => {
    const { get, source, advance, counts } = setup();
    expect(await get(ID)).toEqual({ product: product(), cache: 'MISS' });
    expect(await get(ID)).toEqual({ product: product(), cache: 'HIT' });
    advance(61_000);
    source.rows.set(ID, product({ name: 'Lamp v2' }));
    expect(await get(ID)).toEqual({ product: product({ name: 'Lamp v2' }), cache: 'MISS' });
    expect(source.calls).toEqual(['replica', 'replica']);
    expect(counts).toEqual({ miss: 2, hit: 1 });
  });

  it('returns null for an unknown product and caches nothing for it', async () => {
    const { get, cache } = setup();
    expect(await get('00000000-0000-4000-8000-000000000000')).toBeNull();
    expect(await cache.get(productCacheKey('00000000-0000-4000-8000-000000000000'))).toBeUndefined();
  });

  it('coalesces concurrent misses into one database read', async () => {
    const { model, source } = setup();
    source.hold();
    const reads = Array.from({ length: 20 }, () => model.getProduct(ID));
    await new Promise((r) => setTimeout(r, 10));
    source.release();
    const results = await Promise.all(reads);
    expect(source.calls).toHaveLength(1);
    expect(results.every((r) => r?.product.name === 'Lamp')).toBe(true);
    expect(model.stats).toMatchObject({ databaseReads: 1, coalescedReads: 19, cacheFills: 1 });
  });

  it('does not put back a copy read before a write that invalidated it meanwhile (compare-and-set fill)', async () => {
    const { model, source, cache } = setup();
    source.hold();
    const read = model.getProduct(ID);
    await new Promise((r) => setTimeout(r, 5));
    // A write commits and its workflow invalidates while the read is in flight.
    await cache.set(productWrittenKey(ID), 'nonce-1', 10);
    await cache.del(productCacheKey(ID));
    source.release();
    expect((await read)?.cache).toBe('MISS');
    expect(await cache.get(productCacheKey(ID))).toBeUndefined();
    expect(model.stats).toMatchObject({ cacheFills: 0, cacheFillsSkipped: 1 });
  });

  it('reads the primary for a product written recently and for admins, who also skip cached copies', async () => {
    const { get, source, cache } = setup();
    await cache.set(productWrittenKey(ID), 'nonce', 10);
    expect((await get(ID))?.cache).toBe('MISS');
    expect((await get(ID))?.cache).toBe('HIT'); // filled from the primary: trusted
    expect((await get(ID, { primary: true }))?.cache).toBe('MISS');
    expect(source.calls).toEqual(['primary', 'primary']);
  });

  it('falls back to the primary when the replica fails', async () => {
    const { get, source } = setup();
    source.failing.add('replica');
    expect((await get(ID))?.product).toEqual(product());
    expect(source.calls).toEqual(['replica', 'primary']);
  });

  it('serves a cached copy as STALE when the database fails or hangs, and 503s without one', async () => {
    const { get, source, advance, counts } = setup({ dbTimeoutMs: 50 });
    await get(ID);
    advance(120_000);
    source.failing.add('replica').add('primary');
    expect(await get(ID)).toEqual({ product: product(), cache: 'STALE' });
    source.failing.clear();
    source.hanging.add('replica').add('primary');
    const started = Date.now();
    expect(await get(ID)).toEqual({ product: product(), cache: 'STALE' });
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(get('11111111-1111-4111-8111-111111111111')).rejects.toBeInstanceOf(CatalogUnavailableError);
    expect(counts.stale).toBe(2);
  });

  it('skips a failing cache behind a breaker, then revalidates what was cached before the outage', async () => {
    const cache = new MemoryCache();
    const good = new GenericProductCacheStore(cache);
    const broken = new BrokenStore();
    let current: ProductCacheStore = good;
    const store: ProductCacheStore = {
      available: () => current.available(),
      observe: (id) => current.observe(id),
      fillIfUnchanged: (...a) => current.fillIfUnchanged(...a),
    };
    const { get, source, advance, counts } = setup({ store });
    await get(ID); // cached
    current = broken;
    source.rows.set(ID, product({ name: 'Changed while the cache was down' }));
    expect((await get(ID))?.cache).toBe('MISS');
    expect((await get(ID))?.cache).toBe('MISS');
    expect(broken.calls).toBe(1); // the breaker kept the second request off the cache
    expect(counts.error).toBe(2);
    advance(1500);
    current = good; // back, still holding the pre-outage copy
    const after = await get(ID);
    expect(after).toEqual({ product: product({ name: 'Changed while the cache was down' }), cache: 'MISS' });
    expect((await get(ID))?.cache).toBe('HIT');
  });
});

describe('ProductReadModel.listProducts', () => {
  it('asks for one more row than the page to know whether there is a next page', async () => {
    const { model, source } = setup();
    for (let i = 0; i < 4; i++)
      source.rows.set(
        `id-${i}`,
        product({ id: `00000000-0000-4000-8000-00000000000${i}`, createdAt: `2026-01-0${i + 2}T00:00:00.000Z` }),
      );
    const page = await model.listProducts({ limit: 2 });
    expect(page.items).toHaveLength(2);
    expect(decodeCursor(page.nextCursor!)).toEqual({
      createdAt: new Date(page.items[1].createdAt),
      id: page.items[1].id,
    });
    expect((await model.listProducts({ limit: 10 })).nextCursor).toBeNull();
    expect(source.calls).toEqual(['replica', 'replica']);
    await model.listProducts({ limit: 1 }, { primary: true });
    expect(source.calls[2]).toBe('primary');
    source.failing.add('replica').add('primary');
    await expect(model.listProducts({ limit: 1 })).rejects.toBeInstanceOf(CatalogUnavailableError);
  });
});

describe('cursor', () => {
  it('round-trips and refuses anything that is not one of ours', () => {
    const c = { createdAt: '2026-03-04T05:06:07.089Z', id: ID };
    expect(decodeCursor(encodeCursor(c))).toEqual({ createdAt: new Date(c.createdAt), id: ID });
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const bad of [
      '',
      'not base64!',
      b64([1, 2]),
      b64({ c: 'yesterday', i: ID }),
      b64({ c: c.createdAt, i: 'x' }),
      b64({ c: c.createdAt, i: ID, extra: 1 }),
      b64({ c: '2026-02-31T00:00:00.000Z', i: ID }),
      'a'.repeat(600),
    ]) {
      expect(decodeCursor(bad)).toBeUndefined();
    }
  });

  it('escapes LIKE wildcards', () => {
    expect(containsPattern('100%_!x')).toBe('%100!%!_!!x%');
  });
});

describe('request schemas', () => {
  it('strip unknown fields, trim names and upper-case SKUs', () => {
    expect(
      createProductSchema.parse({ name: '  Mug ', priceCents: 1, stock: 0, sku: 'ab-1', id: 'x', currency: 'EUR' }),
    ).toEqual({ name: 'Mug', description: '', priceCents: 1, stock: 0, sku: 'AB-1' });
    expect(updateProductSchema.parse({ stock: 2, role: 'admin' })).toEqual({ stock: 2 });
    expect(updateProductSchema.safeParse({ role: 'admin' }).success).toBe(false);
  });

  it('parse list queries strictly', () => {
    expect(listProductsQuery.parse({ limit: '10', q: '  lamp ' })).toEqual({ limit: 10, q: 'lamp', cursor: undefined });
    expect(listProductsQuery.parse({ q: '   ' })).toEqual({ limit: undefined, q: undefined, cursor: undefined });
    for (const bad of [
      { limit: '0' },
      { limit: '101' },
      { limit: '1e2' },
      { limit: ['1', '2'] },
      { cursor: 'zzz' },
      { q: ['a', 'b'] },
    ]) {
      expect(listProductsQuery.safeParse(bad).success).toBe(false);
    }
  });
});
