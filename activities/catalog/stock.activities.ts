// Pricing and stock reservation, run on the `catalog` task queue for the orders domain.
// Reservations are idempotent per (order, product) through the stock_reservations ledger,
// fenced per workflow run (stock_reservation_fences) so a late attempt cannot outlive its release,
// atomic through conditional UPDATEs inside one transaction, taken in product-ID order so two
// orders never deadlock; the CHECK (stock >= 0) constraint is the last guard.
import { ApplicationFailure } from '@temporalio/activity';
import { In, IsNull, type DataSource, type EntityManager } from 'typeorm';
import type { Cache } from '../../common/cache';
import { ProductEntity, StockReservationEntity, StockReservationFenceEntity } from '../../db/entities';
import type { ReservationFenceState } from '../../db/entities/stock-reservation-fence.entity';
import { isCheckViolation, isUniqueViolation } from '../../db/errors';
import { inTransaction } from '../../db/transaction';
import {
  type OrderLine,
  type PriceLinesResult,
  type ReleaseStockInput,
  type ReleaseStockResult,
  type ReserveStockResult,
  type StockReservationInput,
  StockFailureType,
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

/**
 * The order's ledger rows in the lock order. A plain read: the fence row locked before it
 * serialises the run's attempts (the read sees what an attempt that held the lock committed),
 * and locking reads over the key range would take gap locks that make concurrent orders deadlock.
 */
function ledgerRows(em: EntityManager, orderId: string): Promise<StockReservationEntity[]> {
  return em.getRepository(StockReservationEntity).find({ where: { orderId }, order: { productId: 'ASC' } });
}

/**
 * Creates the run's fence row if it is missing and locks it; `to` CLOSED also closes it.
 * Returns the state it had. A reservation and a release of one run wait for each other here.
 */
async function lockFence(
  em: EntityManager,
  orderId: string,
  runId: string,
  to: ReservationFenceState,
): Promise<ReservationFenceState> {
  const now = new Date();
  await em
    .createQueryBuilder()
    .insert()
    .into(StockReservationFenceEntity)
    .values({ orderId, runId, state: to, createdAt: now, updatedAt: now })
    .orIgnore()
    .execute();
  const fence = await em.getRepository(StockReservationFenceEntity).findOneOrFail({
    where: { orderId, runId },
    ...(locksRows(em) ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  });
  if (to === 'CLOSED' && fence.state !== 'CLOSED')
    await em.getRepository(StockReservationFenceEntity).update({ orderId, runId }, { state: 'CLOSED', updatedAt: now });
  return fence.state;
}

// SQLite has no row locks (and TypeORM refuses FOR UPDATE there): its writers are serialised.
const locksRows = (em: EntityManager) => em.connection.options.type !== 'better-sqlite3';

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
     * Reserves every line or none, for one workflow run of the order (`runId`). A line the run
     * already holds is skipped, so a retry (or a duplicate delivery) changes nothing; a line a
     * failed earlier run of the order released is taken over. Fails with OutOfStock,
     * non-retryable; with ReservationClosed once the run's release has fenced it off.
     */
    async reserveStock(input: StockReservationInput): Promise<ReserveStockResult> {
      const lines = normaliseLines(input.lines);
      const runId = input.runId ?? null;
      let reservedUnits = 0;
      const attempt = () =>
        inTransaction(dataSource, async (em: EntityManager) => {
          reservedUnits = 0;
          if (runId && (await lockFence(em, input.orderId, runId, 'OPEN')) === 'CLOSED') {
            throw ApplicationFailure.create({
              message: `The stock reservation of order ${input.orderId} (run ${runId}) was already released`,
              type: StockFailureType.ReservationClosed,
              nonRetryable: true,
            });
          }
          const ledger = new Map((await ledgerRows(em, input.orderId)).map((r) => [r.productId, r]));
          for (const line of lines) {
            const row = ledger.get(line.productId);
            // Before runs were recorded (runId null), any row of the order was this run's.
            if (row && (runId === null || row.runId === null || row.runId === runId)) continue;
            if (row?.status === 'RESERVED') {
              // Another run of this order still holds it: its release comes first (retry).
              throw ApplicationFailure.create({
                message: `Product ${line.productId} is still reserved by run ${row.runId} of order ${input.orderId}`,
                type: StockFailureType.ReservationHeldByOtherRun,
              });
            }
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
            const held = { quantity: line.quantity, status: 'RESERVED' as const, runId, updatedAt: now };
            if (row) {
              const taken = await em
                .getRepository(StockReservationEntity)
                .update({ orderId: input.orderId, productId: line.productId, status: 'RELEASED' }, held);
              // Changed since our read (the stock we just took must not count twice): start over.
              if (!taken.affected)
                throw ApplicationFailure.create({
                  message: `The reservation of product ${line.productId} changed while it was being taken over`,
                  type: StockFailureType.ReservationHeldByOtherRun,
                });
            } else {
              await em
                .getRepository(StockReservationEntity)
                .insert({ orderId: input.orderId, productId: line.productId, createdAt: now, ...held });
            }
            reservedUnits += line.quantity;
          }
        });
      try {
        try {
          await attempt();
        } catch (err) {
          // A duplicate delivery of this very reservation committed between our ledger read and
          // our insert (a primary key refused the second row, and our transaction rolled back):
          // run again, and the ledger now says there is nothing left to do.
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
        ...input,
        lines: priced.lines.map(({ productId, quantity }) => ({ productId, quantity })),
      });
      return priced;
    },

    /**
     * Returns every unit the run (or, without `runId`, the order) still holds to stock, and
     * closes the run's fence first so that no attempt of it still in flight can reserve after
     * this. A second call releases nothing.
     */
    async releaseStock(input: ReleaseStockInput): Promise<ReleaseStockResult> {
      let releasedUnits = 0;
      let touched: string[] = [];
      const attempt = () =>
        inTransaction(dataSource, async (em: EntityManager) => {
          releasedUnits = 0;
          touched = [];
          if (input.runId) await lockFence(em, input.orderId, input.runId, 'CLOSED');
          const held = (await ledgerRows(em, input.orderId)).filter(
            (r) => r.status === 'RESERVED' && (!input.runId || r.runId === null || r.runId === input.runId),
          );
          for (const r of held) {
            const flipped = await em
              .getRepository(StockReservationEntity)
              .update(
                { orderId: r.orderId, productId: r.productId, status: 'RESERVED' },
                { status: 'RELEASED', updatedAt: new Date() },
              );
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
      try {
        await attempt();
      } catch (err) {
        // Two releases (or a release and a reservation) created the fence row at once.
        if (!isUniqueViolation(err)) throw err;
        await attempt();
      }
      await invalidate(touched);
      return { releasedUnits };
    },
  };
  return activities;
}

export type StockActivities = ReturnType<typeof createStockActivities>;
