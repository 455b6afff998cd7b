// Stock reservation for the orders domain, on MariaDB (with the Redis cache) and on the embedded
// SQLite driver: no oversell under 50 concurrent callers for the last 10 units, stock never
// negative, and repeated or concurrent duplicate reserve/release calls change nothing.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { createStockActivities, type StockActivities } from '../../activities/catalog/stock.activities';
import { type Cache, MemoryCache, RedisCache } from '../../common/cache';
import { parseConfig } from '../../common/config';
import { createLogger } from '../../common/logger';
import { createRedis } from '../../common/redis';
import { createDataSource } from '../../db/data-source';
import { ProductEntity, StockReservationEntity } from '../../db/entities';
import { productCacheKey } from '../../workflows/catalog/contract';
import { type Driver, catalogDataSource, insertProduct } from '../support/catalog-fixtures';
import { testEnv } from '../support/test-env';

async function setup(driver: Driver): Promise<{ ds: DataSource; cache: Cache; redis?: Redis }> {
  if (driver === 'sqlite')
    return { ds: await catalogDataSource('sqlite', { tmpPrefix: 'stock-' }), cache: new MemoryCache() };
  const env = testEnv();
  const config = parseConfig({
    MYSQL_URL: env.mysqlUrl,
    REDIS_URL: env.redisUrl,
    REDIS_KEY_PREFIX: env.redisKeyPrefix,
  });
  // A pool as large as the crowd, so all 50 transactions really contend in the database.
  const ds = createDataSource(config, { poolSize: 50 });
  await ds.initialize();
  await Promise.all(Array.from({ length: 50 }, () => ds.query('SELECT SLEEP(0.05)'))); // open the pool's connections up front
  const redis = createRedis(config, createLogger({ test: true }, 'silent'))!;
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return { ds, cache: new RedisCache(redis), redis };
}

describe.each<Driver>(['mariadb', 'sqlite'])('stock reservation on %s', (driver) => {
  let ds: DataSource;
  let cache: Cache;
  let redis: Redis | undefined;
  let stock: StockActivities;

  beforeAll(async () => {
    ({ ds, cache, redis } = await setup(driver));
    stock = createStockActivities({ dataSource: ds, cache });
  });
  afterAll(async () => {
    redis?.disconnect();
    await ds?.destroy();
  });

  const product = async (units: number) =>
    (await insertProduct(ds, { stock: units, priceCents: 500, skuPrefix: 'STK', name: 'Stock product' })).id;
  const stockOf = async (id: string) => (await ds.getRepository(ProductEntity).findOneByOrFail({ id })).stock;
  const ledger = (productId: string) => ds.getRepository(StockReservationEntity).findBy({ productId });

  it('50 concurrent callers for the last 10 units: exactly 10 reserved, stock 0, never negative', async () => {
    const id = await product(10);
    await cache.set(productCacheKey(id), '{"stale":true}', 60);
    const orders = Array.from({ length: 50 }, () => randomUUID());

    // Watch the stock from outside while the crowd runs.
    let watching = true;
    const observed: number[] = [];
    const watcher = (async () => {
      while (watching) {
        observed.push(await stockOf(id));
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const results = await Promise.allSettled(
      orders.map((orderId) => stock.reserveStock({ orderId, lines: [{ productId: id, quantity: 1 }] })),
    );
    watching = false;
    await watcher;

    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(10);
    expect(lost).toHaveLength(40);
    for (const l of lost) {
      expect(l.reason).toBeInstanceOf(ApplicationFailure);
      expect(l.reason).toMatchObject({ type: 'OutOfStock', nonRetryable: true });
    }
    expect(await stockOf(id)).toBe(0);
    expect(Math.min(...observed)).toBeGreaterThanOrEqual(0);
    const rows = await ledger(id);
    expect(rows).toHaveLength(10);
    expect(rows.reduce((n, r) => n + r.quantity, 0)).toBe(10);
    expect(rows.every((r) => r.status === 'RESERVED')).toBe(true);
    expect(await cache.get(productCacheKey(id))).toBeUndefined(); // the cached copy was dropped
    console.log(
      `reservation (${driver}): 50 concurrent callers, 10 units → ${won.length} reserved, ${lost.length} OutOfStock, final stock ${await stockOf(id)}, lowest stock observed ${Math.min(...observed)} over ${observed.length} samples`,
    );
  });

  it('a multi-line order reserves all lines or none', async () => {
    const a = await product(5);
    const b = await product(1);
    const failed = await stock
      .reserveStock({
        orderId: randomUUID(),
        lines: [
          { productId: a, quantity: 2 },
          { productId: b, quantity: 2 },
        ],
      })
      .catch((e: unknown) => e);
    expect(failed).toMatchObject({ type: 'OutOfStock' });
    expect([await stockOf(a), await stockOf(b)]).toEqual([5, 1]);
    const orderId = randomUUID();
    // Repeated product lines are merged.
    await expect(
      stock.reserveStock({
        orderId,
        lines: [
          { productId: b, quantity: 1 },
          { productId: a, quantity: 2 },
          { productId: a, quantity: 1 },
        ],
      }),
    ).resolves.toEqual({ reservedUnits: 4 });
    expect([await stockOf(a), await stockOf(b)]).toEqual([2, 0]);
  });

  it('repeated reserve and release calls are no-ops, also when the duplicates run concurrently', async () => {
    const id = await product(10);
    const orderId = randomUUID();
    const line = { productId: id, quantity: 3 };

    await expect(stock.reserveStock({ orderId, lines: [line] })).resolves.toEqual({ reservedUnits: 3 });
    await expect(stock.reserveStock({ orderId, lines: [line] })).resolves.toEqual({ reservedUnits: 0 });
    expect(await stockOf(id)).toBe(7);

    // Retries racing each other (duplicate deliveries): still one reservation.
    const other = randomUUID();
    const dupes = await Promise.all(
      Array.from({ length: 20 }, () => stock.reserveStock({ orderId: other, lines: [line] })),
    );
    expect(dupes.reduce((n, r) => n + r.reservedUnits, 0)).toBe(3);
    expect(await stockOf(id)).toBe(4);

    await expect(stock.releaseStock({ orderId })).resolves.toEqual({ releasedUnits: 3 });
    await expect(stock.releaseStock({ orderId })).resolves.toEqual({ releasedUnits: 0 });
    expect(await stockOf(id)).toBe(7);
    // A late reserve retry after the release does not take the units again.
    await expect(stock.reserveStock({ orderId, lines: [line] })).resolves.toEqual({ reservedUnits: 0 });
    expect(await stockOf(id)).toBe(7);

    const releases = await Promise.all(Array.from({ length: 5 }, () => stock.releaseStock({ orderId: other })));
    expect(releases.reduce((n, r) => n + r.releasedUnits, 0)).toBe(3);
    expect(await stockOf(id)).toBe(10);
    // Releasing an order that never reserved anything does nothing.
    await expect(stock.releaseStock({ orderId: randomUUID() })).resolves.toEqual({ releasedUnits: 0 });
    expect(await stockOf(id)).toBe(10);
    expect((await ledger(id)).map((r) => r.status).sort()).toEqual(['RELEASED', 'RELEASED']);
  });

  it('runs of one order: a release fences its run, a later run takes the released lines over', async () => {
    const id = await product(10);
    const orderId = randomUUID();
    const line = { productId: id, quantity: 3 };
    const [run1, run2] = [randomUUID(), randomUUID()];

    await expect(stock.reserveStock({ orderId, runId: run1, lines: [line] })).resolves.toEqual({ reservedUnits: 3 });
    await expect(stock.reserveStock({ orderId, runId: run1, lines: [line] })).resolves.toEqual({ reservedUnits: 0 });
    // Run 2 cannot take what run 1 still holds (retryable: run 1 releases first).
    await expect(stock.reserveStock({ orderId, runId: run2, lines: [line] })).rejects.toMatchObject({
      type: 'ReservationHeldByOtherRun',
      nonRetryable: false,
    });
    await expect(stock.releaseStock({ orderId, runId: run1 })).resolves.toEqual({ releasedUnits: 3 });
    expect(await stockOf(id)).toBe(10);
    // A late attempt of the released run holds nothing and says so.
    await expect(stock.reserveStock({ orderId, runId: run1, lines: [line] })).rejects.toMatchObject({
      type: 'ReservationClosed',
      nonRetryable: true,
    });
    expect(await stockOf(id)).toBe(10);

    // The order's next run really reserves (a rerun that found released rows once reserved nothing).
    await expect(stock.reserveStock({ orderId, runId: run2, lines: [line] })).resolves.toEqual({ reservedUnits: 3 });
    expect(await stockOf(id)).toBe(7);
    expect(await ledger(id)).toMatchObject([{ orderId, status: 'RESERVED', runId: run2, quantity: 3 }]);
    // Releasing run 1 again touches nothing of run 2.
    await expect(stock.releaseStock({ orderId, runId: run1 })).resolves.toEqual({ releasedUnits: 0 });
    await expect(stock.releaseStock({ orderId, runId: run2 })).resolves.toEqual({ releasedUnits: 3 });
    expect(await stockOf(id)).toBe(10);
  });

  it('50 concurrent fenced runs for the last 10 units, each then released: stock whole again', async () => {
    const id = await product(10);
    const runs = Array.from({ length: 50 }, () => ({ orderId: randomUUID(), runId: randomUUID() }));
    const results = await Promise.allSettled(
      runs.map((r) => stock.reserveStock({ ...r, lines: [{ productId: id, quantity: 1 }] })),
    );
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failures.map((f) => (f.reason as ApplicationFailure).type)).toEqual(failures.map(() => 'OutOfStock'));
    expect(results.length - failures.length).toBe(10);
    expect(await stockOf(id)).toBe(0);
    const released = await Promise.all(runs.map((r) => stock.releaseStock(r)));
    expect(released.reduce((n, r) => n + r.releasedUnits, 0)).toBe(10);
    expect(await stockOf(id)).toBe(10);
  });

  it('refuses empty orders and quantities that are not positive integers, changing nothing', async () => {
    const id = await product(5);
    for (const lines of [
      [],
      [{ productId: id, quantity: 0 }],
      [{ productId: id, quantity: -3 }],
      [{ productId: id, quantity: 1.5 }],
    ]) {
      await expect(stock.reserveStock({ orderId: randomUUID(), lines })).rejects.toMatchObject({
        type: 'ValidationFailed',
        nonRetryable: true,
      });
      await expect(stock.priceLines(lines)).rejects.toMatchObject({ type: 'ValidationFailed' });
    }
    expect(await stockOf(id)).toBe(5);
    expect(await ledger(id)).toEqual([]);
  });

  it('prices lines from the primary and refuses unknown products', async () => {
    const id = await product(1);
    const priced = await stock.priceLines([{ productId: id, quantity: 2 }]);
    expect(priced).toEqual({
      currency: 'USD',
      lines: [{ productId: id, quantity: 2, name: expect.stringMatching(/^Stock /), unitPriceCents: 500 }],
    });
    const missing = randomUUID();
    await expect(
      stock.priceLines([
        { productId: id, quantity: 1 },
        { productId: missing, quantity: 1 },
      ]),
    ).rejects.toMatchObject({ type: 'UnknownProduct', details: [{ productIds: [missing] }] });
  });
});

// A reservation attempt blocked on a database lock outlives its activity timeout; the workflow
// meanwhile refuses the order and releases. Without a fence the late commit kept its units for
// an order that does not exist.
describe('a reservation attempt held up by a lock (MariaDB)', () => {
  let ds: DataSource;
  let stock: StockActivities;
  beforeAll(async () => {
    ({ ds } = await setup('mariadb'));
    stock = createStockActivities({ dataSource: ds, cache: new MemoryCache() });
  });
  afterAll(async () => ds?.destroy());

  async function product(units: number): Promise<string> {
    const id = randomUUID();
    const now = new Date();
    await ds.getRepository(ProductEntity).insert({
      ...{ id, sku: `LCK-${id.slice(0, 13)}`, name: 'Locked', description: '', priceCents: 100, currency: 'USD' },
      ...{ stock: units, createdAt: now, updatedAt: now, deletedAt: null },
    });
    return id;
  }
  const stockOf = async (id: string) => (await ds.getRepository(ProductEntity).findOneByOrFail({ id })).stock;

  /** Holds the product row locked from another connection until the returned function is called. */
  async function lockProduct(id: string): Promise<() => Promise<void>> {
    const runner = ds.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await runner.query('SELECT id FROM products WHERE id = ? FOR UPDATE', [id]);
    return async () => {
      await runner.commitTransaction();
      await runner.release();
    };
  }

  it('the release waits for the late attempt and gives its units back', async () => {
    const id = await product(5);
    const fence = { orderId: randomUUID(), runId: randomUUID() };
    const unlock = await lockProduct(id);
    const late = stock.reserveStock({ ...fence, lines: [{ productId: id, quantity: 2 }] });
    await new Promise((r) => setTimeout(r, 300)); // the attempt is now waiting on the lock
    const release = stock.releaseStock(fence);
    await new Promise((r) => setTimeout(r, 300));
    await unlock();
    await expect(late).resolves.toEqual({ reservedUnits: 2 });
    await expect(release).resolves.toEqual({ releasedUnits: 2 });
    expect(await stockOf(id)).toBe(5);
  });

  it('an attempt that reaches the database after the release reserves nothing', async () => {
    const id = await product(5);
    const fence = { orderId: randomUUID(), runId: randomUUID() };
    await expect(stock.releaseStock(fence)).resolves.toEqual({ releasedUnits: 0 });
    await expect(stock.reserveStock({ ...fence, lines: [{ productId: id, quantity: 2 }] })).rejects.toMatchObject({
      type: 'ReservationClosed',
    });
    expect(await stockOf(id)).toBe(5);
  });
});
