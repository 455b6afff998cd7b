// The cart's read side: the lines come from the cart workflow (getCart), the names, prices and
// stock from the catalog table (a replica when configured, like the product list). Checkout
// prices again on the primary, through the catalog pool (workflows/carts/cart-process.ts).
import { In, IsNull, type DataSource } from 'typeorm';
import { ProductEntity } from '../../db/entities';
import { onReplica } from '../../db/replication';
import type { CartQuote } from '../../workflows/carts/contract';

export async function quoteProducts(ds: DataSource, productIds: string[]): Promise<CartQuote> {
  const ids = [...new Set(productIds)];
  if (!ids.length) return { products: [] };
  const rows = await onReplica(ds, (em) =>
    em.getRepository(ProductEntity).findBy({ id: In(ids), deletedAt: IsNull() }),
  );
  return {
    products: rows.map((p) => ({
      productId: p.id,
      name: p.name,
      priceCents: p.priceCents,
      currency: p.currency,
      stock: p.stock,
    })),
  };
}
