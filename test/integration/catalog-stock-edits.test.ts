// Relative stock edits (stockDelta) on MariaDB and on the embedded SQLite driver: applied once
// per write however often the activity runs (a retry after a committed attempt, a duplicate
// delivery, an attempt that waited on a lock past its timeout), and kept within 0..stockMax.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createProductActivities } from '../../activities/catalog/product.activities';
import { MemoryCache } from '../../common/cache';
import { ProductEntity } from '../../db/entities';
import { PRODUCT_LIMITS } from '../../workflows/catalog/contract';
import { type Driver, catalogDataSource, insertProduct } from '../support/catalog-fixtures';

describe.each<Driver>(['mariadb', 'sqlite'])('stock edits on %s', (driver) => {
  let ds: DataSource;
  let products: ReturnType<typeof createProductActivities>;

  beforeAll(async () => {
    ds = await catalogDataSource(driver, { tmpPrefix: 'stock-edits-', poolSize: 8 });
    products = createProductActivities({
      dataSource: ds,
      cache: new MemoryCache(),
      config: { CURRENCY: 'USD', CACHE_TTL_SECONDS: 60 },
    });
  });
  afterAll(() => ds?.destroy());

  const product = async (units: number) =>
    (await insertProduct(ds, { stock: units, priceCents: 100, skuPrefix: 'EDT' })).id;
  const stockOf = async (id: string) => (await ds.getRepository(ProductEntity).findOneByOrFail({ id })).stock;

  it('a write delivered twice (a retry after its attempt committed) adds its units once', async () => {
    const id = await product(10);
    const writeId = randomUUID();
    const first = await products.patchProduct({ productId: id, patch: { stockDelta: 5 }, writeId });
    const again = await products.patchProduct({ productId: id, patch: { stockDelta: 5 }, writeId });
    expect(first.stock).toBe(15);
    expect(again.stock).toBe(15);
    expect(await stockOf(id)).toBe(15);
    // Another write is another edit, also for the same key on another product.
    await products.patchProduct({ productId: id, patch: { stockDelta: -3 }, writeId: randomUUID() });
    const other = await product(1);
    await products.patchProduct({ productId: other, patch: { stockDelta: 2 }, writeId });
    expect([await stockOf(id), await stockOf(other)]).toEqual([12, 3]);
  });

  it('two attempts of one write in flight at once (one waited on a lock past its timeout) add the units once', async () => {
    const id = await product(10);
    const writeId = randomUUID();
    const attempts = await Promise.all(
      Array.from({ length: 4 }, () => products.patchProduct({ productId: id, patch: { stockDelta: 7 }, writeId })),
    );
    expect(attempts.map((a) => a.stock)).toEqual([17, 17, 17, 17]);
    expect(await stockOf(id)).toBe(17);
  });

  it(`stock stays within 0..${PRODUCT_LIMITS.stockMax}: a delta past either bound is refused and changes nothing`, async () => {
    const id = await product(PRODUCT_LIMITS.stockMax - 10);
    await expect(
      products.patchProduct({ productId: id, patch: { stockDelta: PRODUCT_LIMITS.stockMax }, writeId: randomUUID() }),
    ).rejects.toMatchObject({ type: 'ValidationFailed', nonRetryable: true });
    await expect(
      products.patchProduct({ productId: id, patch: { stockDelta: 11 }, writeId: randomUUID() }),
    ).rejects.toMatchObject({ type: 'ValidationFailed', nonRetryable: true });
    await expect(
      products.patchProduct({ productId: id, patch: { stockDelta: -PRODUCT_LIMITS.stockMax }, writeId: randomUUID() }),
    ).rejects.toMatchObject({ type: 'ValidationFailed', nonRetryable: true });
    expect(await stockOf(id)).toBe(PRODUCT_LIMITS.stockMax - 10);
    // Up to the bound exactly is fine.
    const top = await products.patchProduct({ productId: id, patch: { stockDelta: 10 }, writeId: randomUUID() });
    expect(top.stock).toBe(PRODUCT_LIMITS.stockMax);
  });

  it('a delta on an unknown or deleted product is ProductNotFound', async () => {
    await expect(
      products.patchProduct({ productId: randomUUID(), patch: { stockDelta: 1 }, writeId: randomUUID() }),
    ).rejects.toMatchObject({ type: 'ProductNotFound' });
  });
});
