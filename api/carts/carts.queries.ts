// The cart's read side: the lines come from the cart workflow (getCart), the names, prices and
// stock from the catalog table (a replica when configured, like the product list). Checkout
// prices again on the primary, through the catalog pool (workflows/carts/cart-process.ts).
import { In, IsNull, type DataSource } from 'typeorm';
import { ProductEntity } from '../../db/entities';
import { onPrimary, onReplica } from '../../db/replication';
import { toCartQuote } from '../../db/views';
import type { CartQuote } from '../../workflows/carts/contract';

/** With `primaryOnMiss`, products a replica does not have (yet: just created) are looked up on the primary. */
export async function quoteProducts(
  ds: DataSource,
  productIds: string[],
  opts: { primaryOnMiss?: boolean } = {},
): Promise<CartQuote> {
  const ids = [...new Set(productIds)];
  if (!ids.length) return { products: [] };
  const find = (on: typeof onReplica, wanted: string[]) =>
    on(ds, (em) => em.getRepository(ProductEntity).findBy({ id: In(wanted), deletedAt: IsNull() }));
  const rows = await find(onReplica, ids);
  const missing = ids.filter((id) => !rows.some((r) => r.id === id));
  if (opts.primaryOnMiss && missing.length) rows.push(...(await find(onPrimary, missing)));
  return toCartQuote(rows);
}
