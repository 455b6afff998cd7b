// Pricing and stock reservation, run on the `catalog` task queue for the orders domain.
// Reservations are idempotent per (order, product) through the stock_reservations ledger and
// atomic through conditional UPDATEs inside one transaction, taken in product-ID order so two
// orders never deadlock; the CHECK (stock >= 0) constraint is the last guard.
import { ApplicationFailure } from '@temporalio/activity';
import { In, IsNull, type DataSource, type EntityManager } from 'typeorm';
import type { Cache } from '../../common/cache';
import { ProductEntity, StockReservationEntity } from '../../db/entities';
import { isCheckViolation, isUniqueViolation } from '../../db/errors';
import { inTransaction } from '../../db/transaction';
import {
  type OrderLine,
  type PriceLinesResult,
  type ReleaseStockInput,
  type ReleaseStockResult,
  type ReserveStockResult,
  type StockReservationInput,
  productCacheKey,
} from '../../workflows/catalog/contract';
import { FailureType } from '../../workflows/shared/failures';
import { onPrimary } from '../../db/replication';

export interface StockActivityDeps {
  dataSource: DataSource;
  cache: Cache;
}

/**
 * Merges repeated products and orders lines by product ID (the lock order). Refuses empty
 * orders and quantities that are not positive integers (a negative one would add stock).
 */
export function normaliseLines(lines: OrderLine[]): OrderLine[] {
  if (
    !Array.isArray(lines) ||
    lines.length === 0 ||
    lines.some((l) => typeof l?.productId !== 'string' || !Number.isSafeInteger(l.quantity) || l.quantity < 1)
  ) {
    throw ApplicationFailure.create({
      message: 'An order needs lines with a product ID and a positive integer quantity',
      type: FailureType.ValidationFailed,
      nonRetryable: true,
    });
  }
  const byProduct = new Map<string, number>();
  for (const l of lines) byProduct.set(l.productId, (byProduct.get(l.productId) ?? 0) + l.quantity);
  return [...byProduct]
    .map(([productId, quantity]) => ({ productId, quantity }))
    .sort((a, b) => (a.productId < b.productId ? -1 : 1));
}

export function createStockActivities({ dataSource, cache }: StockActivityDeps) {
  // Stock changes drop the cached copy but do not set the product's "written recently" marker:
  // stock in a product view is advisory (reserveStock re-checks it), and a hot product must
  // not be pushed onto the primary by every order.
  const invalidate = async (productIds: string[]) => {
    try {
      await cache.del(...productIds.map(productCacheKey));
    } catch {
      // The TTL bounds staleness if the cache is down; stock is re-checked by reserveStock.
    }
  };

  const activities = {
    /** Prices lines from the catalog; unknown or deleted products fail with UnknownProduct. */
    async priceLines(lines: OrderLine[]): Promise<PriceLinesResult> {
      const wanted = normaliseLines(lines);
      const ids = wanted.map((l) => l.productId);
      // The primary: an order must be priced from the catalog as it is, not as a lagging replica saw it.
      const products = await onPrimary(dataSource, (em) =>
        em.getRepository(ProductEntity).findBy({ id: In(ids), deletedAt: IsNull() }),
      );
      const byId = new Map(products.map((p) => [p.id, p]));
      const missing = ids.filter((id) => !byId.has(id));
      if (missing.length) {
        throw ApplicationFailure.create({
          message: `Unknown product(s): ${missing.join(', ')}`,
          type: FailureType.UnknownProduct,
          nonRetryable: true,
          details: [{ productIds: missing }],
        });
      }
      const currencies = new Set(products.map((p) => p.currency));
      if (currencies.size > 1) {
        throw ApplicationFailure.create({
          message: 'All products of an order must share one currency',
          type: FailureType.ValidationFailed,
          nonRetryable: true,
        });
      }
      return {
        lines: wanted.map((l) => ({
          ...l,
          name: byId.get(l.productId)!.name,
          unitPriceCents: byId.get(l.productId)!.priceCents,
        })),
        currency: products[0].currency,
      };
    },

    /**
     * Reserves every line or none. A line already in the ledger for this order is skipped, so a
     * retry (or a duplicate delivery) changes nothing. Fails with OutOfStock, non-retryable.
     */
    async reserveStock(input: StockReservationInput): Promise<ReserveStockResult> {
      const lines = normaliseLines(input.lines);
      let reservedUnits = 0;
      const attempt = () =>
        inTransaction(dataSource, async (em: EntityManager) => {
          reservedUnits = 0;
          const existing = await em.getRepository(StockReservationEntity).findBy({ orderId: input.orderId });
          const done = new Set(existing.map((r) => r.productId));
          for (const line of lines) {
            if (done.has(line.productId)) continue;
            const res = await em
              .createQueryBuilder()
              .update(ProductEntity)
              .set({ stock: () => 'stock - :qty', updatedAt: new Date() })
              .where('id = :id AND stock >= :qty AND deleted_at IS NULL', { id: line.productId, qty: line.quantity })
              .execute();
            if (!res.affected) {
              throw ApplicationFailure.create({
                message: `Not enough stock for product ${line.productId}`,
                type: FailureType.OutOfStock,
                nonRetryable: true,
                details: [{ productId: line.productId }],
              });
            }
            const now = new Date();
            await em.getRepository(StockReservationEntity).insert({
              orderId: input.orderId,
              productId: line.productId,
              quantity: line.quantity,
              status: 'RESERVED',
              createdAt: now,
              updatedAt: now,
            });
            reservedUnits += line.quantity;
          }
        });
      try {
        try {
          await attempt();
        } catch (err) {
          // A duplicate delivery of this very reservation committed between our ledger read and
          // our insert (the ledger's primary key refused the second row, and our transaction rolled
          // back): run again, and the ledger now says there is nothing left to do.
          if (!isUniqueViolation(err)) throw err;
          await attempt();
        }
      } catch (err) {
        if (isCheckViolation(err)) {
          throw ApplicationFailure.create({
            message: 'Not enough stock',
            type: FailureType.OutOfStock,
            nonRetryable: true,
          });
        }
        throw err;
      }
      await invalidate(lines.map((l) => l.productId));
      return { reservedUnits };
    },

    /**
     * The order intake in one step: prices the lines, then reserves them (the two methods above,
     * unchanged). One activity instead of two saves the order a round trip through the server
     * while the customer waits for the 201. Safe to retry: pricing reads, the reservation is
     * idempotent per (order, product).
     */
    async priceAndReserve(input: StockReservationInput): Promise<PriceLinesResult> {
      const priced = await activities.priceLines(input.lines);
      await activities.reserveStock({
        orderId: input.orderId,
        lines: priced.lines.map(({ productId, quantity }) => ({ productId, quantity })),
      });
      return priced;
    },

    /** Returns every unit this order still holds to stock; a second call releases nothing. */
    async releaseStock(input: ReleaseStockInput): Promise<ReleaseStockResult> {
      let releasedUnits = 0;
      const touched: string[] = [];
      await inTransaction(dataSource, async (em: EntityManager) => {
        const held = await em
          .getRepository(StockReservationEntity)
          .find({ where: { orderId: input.orderId, status: 'RESERVED' }, order: { productId: 'ASC' } });
        for (const r of held) {
          const flipped = await em
            .createQueryBuilder()
            .update(StockReservationEntity)
            .set({ status: 'RELEASED', updatedAt: new Date() })
            .where('order_id = :orderId AND product_id = :productId AND status = :status', {
              orderId: r.orderId,
              productId: r.productId,
              status: 'RESERVED',
            })
            .execute();
          if (!flipped.affected) continue; // released concurrently
          await em
            .createQueryBuilder()
            .update(ProductEntity)
            .set({ stock: () => 'stock + :qty', updatedAt: new Date() })
            .where('id = :id', { id: r.productId, qty: r.quantity })
            .execute();
          releasedUnits += r.quantity;
          touched.push(r.productId);
        }
      });
      await invalidate(touched);
      return { releasedUnits };
    },
  };
  return activities;
}

export type StockActivities = ReturnType<typeof createStockActivities>;
