// Products straight into the catalog table: fast, and independent of the catalog admin API.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ProductEntity } from '../../db/entities';

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
