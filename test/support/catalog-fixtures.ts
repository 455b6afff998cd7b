// Products straight into the catalog table: fast, and independent of the catalog admin API.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { parseConfig } from '../../common/config';
import { createDataSource, migrate } from '../../db/data-source';
import { ProductEntity } from '../../db/entities';
import { testEnv } from './test-env';

export interface ProductFields {
  stock: number;
  priceCents?: number;
  name?: string;
  currency?: string;
  /** Marks the SKU so a test's rows are recognisable in a shared database. */
  skuPrefix?: string;
}

export async function insertProduct(dataSource: DataSource, fields: ProductFields): Promise<ProductEntity> {
  const now = new Date();
  const id = randomUUID();
  const product = Object.assign(new ProductEntity(), {
    id,
    sku: `${fields.skuPrefix ?? 'SKU'}-${id.slice(0, 13)}`,
    name: fields.name ?? `Product ${id.slice(0, 8)}`,
    description: 'test product',
    priceCents: fields.priceCents ?? 1999,
    currency: fields.currency ?? 'USD',
    stock: fields.stock,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  });
  await dataSource.getRepository(ProductEntity).insert(product);
  return product;
}

/** The two database drivers the catalog activities run on. */
export type Driver = 'mariadb' | 'sqlite';

/** A catalog database on `driver`: a migrated SQLite file of its own, or the tests' MariaDB. */
export async function catalogDataSource(
  driver: Driver,
  options: { tmpPrefix: string; poolSize?: number },
): Promise<DataSource> {
  if (driver === 'sqlite') {
    const ds = createDataSource(parseConfig({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), options.tmpPrefix)) }));
    await migrate(ds);
    return ds;
  }
  const ds = createDataSource(parseConfig({ MYSQL_URL: testEnv().mysqlUrl }), { poolSize: options.poolSize ?? 4 });
  await ds.initialize();
  return ds;
}
