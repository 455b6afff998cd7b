// The catalog's answer to a cart at checkout, run on the `catalog` task queue: each product's
// name, price and stock as the primary has them now. A product unknown or deleted is left out
// (the cart shows it unavailable). Read-only, so retries are free.
import { In, IsNull, type DataSource } from 'typeorm';
import { ProductEntity } from '../../db/entities';
import { onPrimary } from '../../db/replication';
import { toCartQuote } from '../../db/views';
import type { CartQuote, CartQuoteInput } from '../../workflows/carts/contract';

export function createCartQuoteActivities({ dataSource }: { dataSource: DataSource }) {
  return {
    async quoteCart(input: CartQuoteInput): Promise<CartQuote> {
      const ids = [...new Set(input.productIds)];
      if (!ids.length) return { products: [] };
      const rows = await onPrimary(dataSource, (em) =>
        em.getRepository(ProductEntity).findBy({ id: In(ids), deletedAt: IsNull() }),
      );
      return toCartQuote(rows);
    },
  };
}

export type CartQuoteActivities = ReturnType<typeof createCartQuoteActivities>;
