// Catalog domain contract: the product write workflows and the activities other domains call
// on the `catalog` task queue (pricing and stock reservation for orders).
export const CATALOG_TASK_QUEUE = 'catalog';

export type ProductWriteOp = 'create' | 'update' | 'delete';

export const productWorkflowId = (productId: string, op: ProductWriteOp, requestId: string): string =>
  `product-${productId}-${op}-${requestId}`;

/** Cache keys of the read path; the write workflows invalidate exactly these. */
export const productCacheKey = (productId: string): string => `product:${productId}`;

export interface ProductView {
  id: string;
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  stock: number;
  createdAt: string;
  updatedAt: string;
}

export interface ProductFields {
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  stock: number;
}

export interface CreateProductInput {
  productId: string;
  fields: Omit<ProductFields, 'sku'> & { sku?: string };
  requestId: string;
}

export interface UpdateProductInput {
  productId: string;
  patch: Partial<ProductFields>;
  requestId: string;
}

export interface DeleteProductInput {
  productId: string;
  requestId: string;
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
