// Product writes and cache invalidation, run on the `catalog` task queue by the product write
// workflows. Each write is idempotent on its business key, so a retry after a crash (or after a
// timeout whose attempt did commit) changes nothing twice:
// - insertProduct inserts with the product ID chosen by the gateway; a retry that finds its own
//   row returns it, a different row holding the SKU is SkuTaken;
// - patchProduct sets the given fields (setting them again is a no-op) and applies a stockDelta
//   once per write (its row in stock_adjustments);
// - markProductDeleted stamps deleted_at with the time chosen by the workflow; a retry that finds
//   exactly that stamp is its own earlier attempt.
// Every write bumps the product's `version` in the same statement (insert 1, update and delete
// +1), the sequence of its integration events; a retried attempt of the same write does not bump
// it again (update: `last_write_id`; delete: its own stamp). Results carry it as `version`.
// Every read-back goes to the primary: a replica may not have the write yet.
import { createHash, randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { type DataSource, type EntityManager, IsNull } from 'typeorm';
import type { Cache } from '../../common/cache';
import type { Config } from '../../common/config';
import { ProductEntity, StockAdjustmentEntity } from '../../db/entities';
import { isCheckViolation, isUniqueViolation } from '../../db/errors';
import { inTransaction } from '../../db/transaction';
import { toProductView } from '../../db/views';
import {
  CACHE_STALE_GRACE_SECONDS,
  type InsertProductInput,
  type InvalidateProductCacheInput,
  type InvalidateProductCacheResult,
  type MarkProductDeletedInput,
  type MarkProductDeletedResult,
  type PatchProductInput,
  type ProductFields,
  type ProductPatch,
  PRODUCT_LIMITS,
  RECENT_WRITE_WINDOW_SECONDS,
  productCacheKey,
  productWrittenKey,
  type VersionedProductView,
} from '../../workflows/catalog/contract';
import { FailureType } from '../../workflows/shared/failures';
import { onPrimary } from '../../db/replication';

export interface ProductActivityDeps {
  dataSource: DataSource;
  cache: Cache;
  config: Pick<Config, 'CURRENCY' | 'CACHE_TTL_SECONDS'>;
}

const skuTaken = (sku: string) =>
  ApplicationFailure.create({
    message: `SKU ${sku} is already used by another product`,
    type: FailureType.SkuTaken,
    nonRetryable: true,
    details: [{ sku }],
  });
const notFound = (productId: string) =>
  ApplicationFailure.create({
    message: `Product ${productId} was not found`,
    type: FailureType.ProductNotFound,
    nonRetryable: true,
    details: [{ productId }],
  });
const invalid = (message: string) =>
  ApplicationFailure.create({ message, type: FailureType.ValidationFailed, nonRetryable: true });

const stockOutOfRange = (stock: number | undefined, delta: number) =>
  invalid(
    `stock must stay between 0 and ${PRODUCT_LIMITS.stockMax}` +
      (stock === undefined ? '' : ` (${stock} available, stockDelta ${delta})`),
  );

/** The product as a write answers it: its view and the version the write left. */
const versioned = (row: ProductEntity): VersionedProductView => ({ ...toProductView(row), version: row.version });

/** The live product row, or ProductNotFound. */
async function liveProduct(em: EntityManager, productId: string): Promise<ProductEntity> {
  const row = await em.getRepository(ProductEntity).findOneBy({ id: productId, deletedAt: IsNull() });
  if (!row) throw notFound(productId);
  return row;
}

/** The patch in canonical form (sorted keys), hashed: what a write ID is bound to. */
const patchHash = (patch: ProductPatch): string =>
  createHash('sha256')
    .update(JSON.stringify(Object.fromEntries(Object.entries(patch).sort(([a], [b]) => (a < b ? -1 : 1)))))
    .digest('hex');

/**
 * Records a relative stock edit of one write; false when the write was already recorded (an
 * earlier attempt committed it). The same write ID with another patch (a key reused after its
 * run failed with the edit committed) is IdempotencyKeyReused: it must neither re-apply the
 * recorded edit nor be answered as done. A duplicate key ends only that statement, not the
 * transaction.
 */
async function recordAdjustment(em: EntityManager, productId: string, writeId: string, patch: ProductPatch) {
  const hash = patchHash(patch);
  try {
    await em
      .getRepository(StockAdjustmentEntity)
      .insert({ productId, writeId, delta: patch.stockDelta!, patchHash: hash, createdAt: new Date() });
    return true;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const recorded = await em.getRepository(StockAdjustmentEntity).findOneByOrFail({ productId, writeId });
    if (recorded.patchHash !== hash)
      throw ApplicationFailure.create({
        message: 'This Idempotency-Key was already used with a different request',
        type: FailureType.IdempotencyKeyReused,
        nonRetryable: true,
      });
    return false;
  }
}

/** Only the writable columns, never anything else a caller put in the object. */
function pickFields(patch: Partial<ProductFields>): Partial<ProductFields> {
  const out: Partial<ProductFields> = {};
  if (patch.sku !== undefined) out.sku = patch.sku;
  if (patch.name !== undefined) out.name = patch.name;
  if (patch.description !== undefined) out.description = patch.description;
  if (patch.priceCents !== undefined) out.priceCents = patch.priceCents;
  if (patch.stock !== undefined) out.stock = patch.stock;
  return out;
}

export function createProductActivities({ dataSource, cache, config }: ProductActivityDeps) {
  const findOnPrimary = (id: string) =>
    onPrimary(dataSource, (em) => em.getRepository(ProductEntity).findOneBy({ id }));
  /** Beyond this age no cache entry written before a write can still exist. */
  const maxEntryLifetimeMs = (config.CACHE_TTL_SECONDS + CACHE_STALE_GRACE_SECONDS) * 1000;

  return {
    async insertProduct(input: InsertProductInput): Promise<VersionedProductView> {
      const now = new Date();
      const f = input.fields;
      const row: ProductEntity = {
        id: input.productId,
        sku: f.sku,
        name: f.name,
        description: f.description,
        priceCents: f.priceCents,
        currency: config.CURRENCY,
        stock: f.stock,
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
        version: 1,
        lastWriteId: null,
      };
      try {
        await dataSource.getRepository(ProductEntity).insert(row);
        return versioned(row);
      } catch (err) {
        if (isCheckViolation(err)) throw invalid('stock must not be negative');
        if (!isUniqueViolation(err)) throw err;
        const mine = await findOnPrimary(input.productId);
        if (mine) return versioned(mine); // our own earlier attempt committed
        throw skuTaken(f.sku);
      }
    },

    async patchProduct(input: PatchProductInput): Promise<VersionedProductView> {
      const set = pickFields(input.patch);
      const delta = input.patch.stockDelta;
      try {
        return await inTransaction(dataSource, async (em) => {
          // First, so that a second attempt of this write waits here for the first one's outcome.
          if (
            delta !== undefined &&
            input.writeId &&
            !(await recordAdjustment(em, input.productId, input.writeId, input.patch))
          )
            return versioned(await liveProduct(em, input.productId));
          const res = await em
            .createQueryBuilder()
            .update(ProductEntity)
            .set({
              ...set,
              ...(delta !== undefined ? { stock: () => 'stock + :delta' } : {}),
              updatedAt: new Date(),
              // Before last_write_id (MySQL assigns left to right): a retried attempt of this
              // write, the row's last write, does not bump again.
              ...(input.writeId
                ? {
                    version: () => 'CASE WHEN last_write_id = :writeId THEN version ELSE version + 1 END',
                    lastWriteId: input.writeId,
                  }
                : { version: () => 'version + 1' }),
            })
            .where(
              // The upper bound stops additions only: a release may have left stock above it.
              `id = :id AND deleted_at IS NULL${delta !== undefined ? ` AND stock + :delta >= 0${delta > 0 ? ' AND stock + :delta <= :max' : ''}` : ''}`,
              { id: input.productId, delta, max: PRODUCT_LIMITS.stockMax, writeId: input.writeId },
            )
            .execute();
          if (!res.affected) {
            const row = await liveProduct(em, input.productId);
            throw stockOutOfRange(row.stock, delta!);
          }
          return versioned(await em.getRepository(ProductEntity).findOneByOrFail({ id: input.productId }));
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw skuTaken(set.sku ?? '');
        if (isCheckViolation(err)) throw stockOutOfRange(undefined, delta ?? 0);
        throw err;
      }
    },

    async markProductDeleted(input: MarkProductDeletedInput): Promise<MarkProductDeletedResult> {
      const at = new Date(input.deletedAt);
      const res = await dataSource
        .createQueryBuilder()
        .update(ProductEntity)
        .set({ deletedAt: at, updatedAt: at, version: () => 'version + 1' })
        .where('id = :id AND deleted_at IS NULL', { id: input.productId })
        .execute();
      const row = await onPrimary(dataSource, (em) =>
        em.getRepository(ProductEntity).findOneBy({ id: input.productId }),
      );
      // Not deleted by this statement: our own earlier attempt committed if the stamp is exactly ours.
      if (!row || (!res.affected && row.deletedAt?.getTime() !== at.getTime())) throw notFound(input.productId);
      return { productId: input.productId, deletedAt: at.toISOString(), sku: row.sku, version: row.version };
    },

    /**
     * Marks the product as written recently (reads go to the primary for a while), then drops
     * its cached copy. Throws while the cache is unreachable, so Temporal retries it.
     */
    async invalidateProductCache(input: InvalidateProductCacheInput): Promise<InvalidateProductCacheResult> {
      if (input.writtenAt !== undefined && Date.now() - input.writtenAt > maxEntryLifetimeMs) return { purged: false };
      await cache.set(productWrittenKey(input.productId), randomUUID(), RECENT_WRITE_WINDOW_SECONDS);
      await cache.del(productCacheKey(input.productId));
      return { purged: true };
    },
  };
}

export type ProductActivities = ReturnType<typeof createProductActivities>;
