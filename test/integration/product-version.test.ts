// The product's version (the sequence of its integration events): 1 at creation, +1 per update
// and delete in the write's own statement, never bumped twice by retried attempts of one write and
// never by stock reservations. On MariaDB and SQLite, against the activities as the catalog worker
// runs them.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createProductActivities } from '../../activities/catalog/product.activities';
import { createStockActivities } from '../../activities/catalog/stock.activities';
import { MemoryCache } from '../../common/cache';
import { ProductEntity } from '../../db/entities';
import { type Driver, catalogDataSource } from '../support/catalog-fixtures';

describe.each<Driver>(['mariadb', 'sqlite'])('product version on %s', (driver) => {
  let ds: DataSource;
  let products: ReturnType<typeof createProductActivities>;
  let stock: ReturnType<typeof createStockActivities>;

  beforeAll(async () => {
    ds = await catalogDataSource(driver, { tmpPrefix: 'product-version-' });
    const cache = new MemoryCache();
    products = createProductActivities({ dataSource: ds, cache, config: { CURRENCY: 'USD', CACHE_TTL_SECONDS: 60 } });
    stock = createStockActivities({ dataSource: ds, cache });
  });
  afterAll(() => ds?.destroy());

  const versionOf = async (id: string) => (await ds.getRepository(ProductEntity).findOneByOrFail({ id })).version;

  it('counts each write once, whatever its attempts, and no reservation', async () => {
    const productId = randomUUID();
    const fields = {
      sku: `VER-${productId.slice(0, 8)}`,
      name: 'Versioned',
      description: '',
      priceCents: 100,
      stock: 5,
    };
    expect((await products.insertProduct({ productId, fields })).version).toBe(1);
    expect((await products.insertProduct({ productId, fields })).version).toBe(1); // a retried attempt

    const a = randomUUID();
    expect((await products.patchProduct({ productId, patch: { priceCents: 200 }, writeId: a })).version).toBe(2);
    expect((await products.patchProduct({ productId, patch: { priceCents: 200 }, writeId: a })).version).toBe(2);
    const b = randomUUID();
    expect((await products.patchProduct({ productId, patch: { name: 'Renamed' }, writeId: b })).version).toBe(3);
    // A run begun before write IDs: every attempt counts.
    expect((await products.patchProduct({ productId, patch: { priceCents: 300 } })).version).toBe(4);
    const c = randomUUID();
    expect((await products.patchProduct({ productId, patch: { stockDelta: 2 }, writeId: c })).version).toBe(5);
    expect((await products.patchProduct({ productId, patch: { stockDelta: 2 }, writeId: c })).version).toBe(5);

    await stock.priceAndReserve({ orderId: randomUUID(), lines: [{ productId, quantity: 3 }] });
    expect(await versionOf(productId)).toBe(5);

    const deletedAt = new Date().toISOString();
    const deleted = await products.markProductDeleted({ productId, deletedAt });
    expect(deleted).toEqual({ productId, deletedAt, sku: fields.sku, version: 6 });
    expect(await products.markProductDeleted({ productId, deletedAt })).toEqual(deleted); // a retried attempt
    expect(await versionOf(productId)).toBe(6);
  });
});
