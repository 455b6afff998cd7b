// Catalog domain contract: the product write workflows and the activities other domains call
// on the `catalog` task queue (pricing and stock reservation for orders).
import { FailureType } from '../shared/failures';

export const CATALOG_TASK_QUEUE = 'catalog';

/** Business outcomes of a product write: refused, nothing written (never retried). */
export const PRODUCT_WRITE_REFUSALS: readonly string[] = [
  FailureType.SkuTaken,
  FailureType.ProductNotFound,
  FailureType.ValidationFailed,
];

export type ProductWriteOp = 'create' | 'update' | 'delete';

/**
 * The workflow of one product write. `writeId` is the write's identity, chosen by the gateway:
 * derived from the admin account and the Idempotency-Key (so a repeat addresses the same
 * workflow), or fresh per request without a key; a create's is its product ID. Never the
 * X-Request-Id: that traces a request, and two different writes may share it.
 */
export const productWorkflowId = (productId: string, op: ProductWriteOp, writeId: string): string =>
  `product-${productId}-${op}-${writeId}`;

/** Cache keys of the read path; the write workflows invalidate exactly these. */
export const productCacheKey = (productId: string): string => `product:${productId}`;

/** What an admin writes of a product. */
export interface ProductFields {
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  stock: number;
}

/** A product as stored: the written fields and what the shop sets (ID, currency, times). */
export interface ProductView extends ProductFields {
  id: string;
  currency: string;
  createdAt: string;
  updatedAt: string;
}

/** What every product write workflow is given besides its own fields. */
export interface ProductWriteInput {
  requestId: string;
  /**
   * The write's identity (see productWorkflowId); names its cache purge too. Absent in runs
   * started before it existed, whose purge was named by the request ID.
   */
  writeId?: string;
}

export interface CreateProductInput extends ProductWriteInput {
  productId: string;
  fields: Omit<ProductFields, 'sku'> & { sku?: string };
}

export interface UpdateProductInput extends PatchProductInput, ProductWriteInput {}

export interface DeleteProductInput extends ProductWriteInput {
  productId: string;
}

/** The purge of a write's cache entry is named by the write, so two writes never share one. */
export const productWriteKey = (input: ProductWriteInput): string => input.writeId ?? input.requestId;

/**
 * The memo of a product write workflow: the request hash binds an Idempotency-Key to its
 * request (another body under the same key is refused); `startedBy` is a nonce of the request
 * that started the run, so a repeat knows it is one (Idempotent-Replayed).
 */
export interface ProductWriteMemo {
  requestId: string;
  requestHash?: string;
  startedBy?: string;
}

export interface OrderLine {
  productId: string;
  quantity: number;
}

/** A line priced from the catalog at order time; name and price are frozen into the order. */
export interface PricedLine extends OrderLine {
  name: string;
  unitPriceCents: number;
}

export interface PriceLinesResult {
  lines: PricedLine[];
  currency: string;
}

// ---- Added with the product write workflows and the read path (issue 3) ----

/** Field limits of a product, shared by the gateway's validation and the OpenAPI document. */
export const PRODUCT_LIMITS = {
  nameMax: 200,
  descriptionMax: 5000,
  skuMax: 64,
  /** 10 million in major units: far above any real price, far below Number.MAX_SAFE_INTEGER. */
  priceCentsMax: 1_000_000_000,
  /** Fits the INT column with room for releases adding units back. */
  stockMax: 1_000_000_000,
} as const;

/** The SKU given to a product created without one: derived from its ID, so a retry agrees. */
export const generatedSku = (productId: string): string =>
  `SKU-${productId.replace(/-/g, '').slice(0, 12).toUpperCase()}`;

/** Abandoned child that keeps retrying a cache invalidation the write workflow could not finish. */
export const productCachePurgeWorkflowId = (productId: string, writeId: string): string =>
  `product-${productId}-purge-${writeId}`;

/**
 * "Written recently" marker of a product, set by every product write (never by stock changes).
 * While it exists the read path reads that product from the primary, not a replica, so nobody
 * (the admin who wrote it included) reads a lagging replica's copy of a fresh write, and no
 * replica read can fill the cache with pre-write data. Its value is a nonce per write, so the
 * read path's compare-and-set fill detects a write that happened during its database read.
 */
export const productWrittenKey = (productId: string): string => `product:${productId}:written`;

/** Lifetime of the written marker: an upper bound of replica lag. */
export const RECENT_WRITE_WINDOW_SECONDS = 10;

/**
 * How long a cached product outlives its freshness (CACHE_TTL_SECONDS), to be served as STALE
 * while the database is unreachable. Redis keeps an entry for TTL + this grace.
 */
export const CACHE_STALE_GRACE_SECONDS = 3600;

export interface PurgeProductCacheInput extends InvalidateProductCacheInput {
  /** Epoch ms of the write: once every cache entry older than that has expired, purging is moot. */
  writtenAt: number;
}

// ---- Activity inputs and results: the activities implement them, the workflows call them ----

/** insertProduct: the product ID chosen by the gateway, the SKU settled by the workflow. */
export interface InsertProductInput {
  productId: string;
  fields: ProductFields;
}

/**
 * A product update. `stock` sets the units available to sell (units held by unpaid or unshipped
 * orders are not in it, and come back to it when such an order is cancelled); `stockDelta`
 * adds to or takes from them atomically, so a count of goods received or lost never races an
 * order.
 */
export type ProductPatch = Partial<ProductFields> & { stockDelta?: number };

export interface PatchProductInput {
  productId: string;
  patch: ProductPatch;
  /** The write (productWriteKey): a `stockDelta` is applied once per product and write. */
  writeId?: string;
}

export interface MarkProductDeletedInput {
  productId: string;
  /** ISO time chosen by the workflow (deterministic), the idempotency stamp of the delete. */
  deletedAt: string;
}

/** Output of markProductDeleted and of the deleteProduct workflow. */
export interface DeleteProductResult {
  productId: string;
  deletedAt: string;
}

/**
 * What the product write activities answer: the product and its `version` after the write (the
 * `sequence` of the write's integration event). Optional: activity results recorded before the
 * counter existed lack it. The write workflows return the product without it.
 */
export type VersionedProductView = ProductView & { version?: number };

/** markProductDeleted's answer: also the SKU and version the product.deleted event carries. */
export interface MarkProductDeletedResult extends DeleteProductResult {
  sku?: string;
  version?: number;
}

export interface InvalidateProductCacheInput {
  productId: string;
  /** Epoch ms of the write; when set and every entry older than it has expired, do nothing. */
  writtenAt?: number;
}

/** `purged: false`: nothing could still hold pre-write data, so nothing was touched. */
export interface InvalidateProductCacheResult {
  purged: boolean;
}

/** reserveStock and priceAndReserve: the order's lines, reserved under its ID. */
export interface StockReservationInput {
  orderId: string;
  lines: OrderLine[];
  /** The workflow run reserving: its release fences it (absent in histories from before fencing). */
  runId?: string;
}

/**
 * Failures of the reservation ledger that stay inside the order process (intake turns them into
 * OrderIntakeFailed): they never reach a client as such.
 */
export const StockFailureType = {
  /** A reservation attempt arriving after its run released everything: it holds nothing. */
  ReservationClosed: 'ReservationClosed',
  /** A line still held by another run of the same order (retryable: that run releases first). */
  ReservationHeldByOtherRun: 'ReservationHeldByOtherRun',
} as const;

export interface ReserveStockResult {
  reservedUnits: number;
}

export interface ReleaseStockInput {
  orderId: string;
  /** Release only what this run holds, and fence it; absent: everything the order holds. */
  runId?: string;
}

export interface ReleaseStockResult {
  releasedUnits: number;
}
