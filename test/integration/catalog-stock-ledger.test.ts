// The stockDelta ledger at its edges, found by an outside review: a write ID reused with another
// patch, and corrections to a product a release left above stockMax. On MariaDB and SQLite,
// against the activities as the catalog worker runs them.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createProductActivities } from '../../activities/catalog/product.activities';
import { createStockActivities } from '../../activities/catalog/stock.activities';
import { MemoryCache } from '../../common/cache';
import { ProductEntity } from '../../db/entities';
import { PRODUCT_LIMITS, type ProductView } from '../../workflows/catalog/contract';
import { type Driver, catalogDataSource, insertProduct } from '../support/catalog-fixtures';

describe.each<Driver>(['mariadb', 'sqlite'])('stockDelta ledger on %s', (driver) => {
  let ds: DataSource;
  let products: ReturnType<typeof createProductActivities>;
  let stock: ReturnType<typeof createStockActivities>;

  beforeAll(async () => {
    ds = await catalogDataSource(driver, { tmpPrefix: 'stock-ledger-' });
    const cache = new MemoryCache();
    products = createProductActivities({ dataSource: ds, cache, config: { CURRENCY: 'USD', CACHE_TTL_SECONDS: 60 } });
    stock = createStockActivities({ dataSource: ds, cache });
  });
  afterAll(() => ds?.destroy());

  const product = async (units: number) =>
    (await insertProduct(ds, { stock: units, priceCents: 100, skuPrefix: 'LDG' })).id;
  const rowOf = (id: string) => ds.getRepository(ProductEntity).findOneByOrFail({ id });

  // The gateway derives the writeId from (admin, Idempotency-Key) only, and lets a key start a
  // new run after a failed one (ALLOW_DUPLICATE_FAILED_ONLY) with whatever body it now carries.
  // A run that failed after its attempt committed (connection lost on COMMIT, then retries
  // exhausted while the database was down: 503) leaves its ledger row. A request under that key
  // with another body then runs patchProduct with the same writeId and a different patch: the
  // ledger treats it as the earlier write and returns the product as it is, so the caller gets
  // 200 and none of its fields (neither the new delta nor the name) were applied.
  it('a different patch under a writeId already in the ledger is not answered as done with nothing applied', async () => {
    const id = await product(10);
    const writeId = randomUUID();
    await products.patchProduct({ productId: id, patch: { stockDelta: 5 }, writeId });

    const outcome = await products
      .patchProduct({ productId: id, patch: { stockDelta: 50, name: 'Renamed' }, writeId })
      .then(
        (view: ProductView) => ({ ok: true as const, view }),
        (err: unknown) => ({ ok: false as const, err }),
      );
    const row = await rowOf(id);
    if (outcome.ok) {
      // Reported as done: then it must have been done.
      expect([outcome.view.name, outcome.view.stock]).toEqual(['Renamed', 65]);
      expect([row.name, row.stock]).toEqual(['Renamed', 65]);
    } else {
      // Or refused (the key was used for another write), changing nothing.
      expect(outcome.err).toMatchObject({ nonRetryable: true });
      expect(row.stock).toBe(15);
    }
  });

  // Releases add units back without any upper bound (stock.activities releaseStock), which the
  // stockMax comment anticipates ("room for releases adding units back"). A product left above
  // stockMax by a release cannot then have units taken away by a stockDelta that stays above
  // stockMax: `stock + :delta BETWEEN 0 AND :max` refuses every removal short of the bound.
  it('units can be taken away from a product that a release left above stockMax', async () => {
    const id = await product(PRODUCT_LIMITS.stockMax);
    const orderId = randomUUID();
    await stock.reserveStock({ orderId, lines: [{ productId: id, quantity: 5 }] });
    expect((await rowOf(id)).stock).toBe(PRODUCT_LIMITS.stockMax - 5);
    // Goods received meanwhile, up to the bound.
    await products.patchProduct({ productId: id, patch: { stockDelta: 5 }, writeId: randomUUID() });
    // The order is cancelled: its 5 units come back.
    await stock.releaseStock({ orderId });
    expect((await rowOf(id)).stock).toBe(PRODUCT_LIMITS.stockMax + 5);

    // Three units found damaged.
    const after = await products.patchProduct({ productId: id, patch: { stockDelta: -3 }, writeId: randomUUID() });
    expect(after.stock).toBe(PRODUCT_LIMITS.stockMax + 2);
  });
});
