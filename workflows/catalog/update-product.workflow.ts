import { type ProductView, type UpdateProductInput, productWriteKey } from './contract';
import { writeThenInvalidate } from './product-cache';
import { publishProductWrite, withoutVersion } from './product-events';
import { productWrites } from './product-writes';

/** Applies a partial update to a live product; ProductNotFound for an unknown or deleted one. */
export async function updateProduct(input: UpdateProductInput): Promise<ProductView> {
  const product = await writeThenInvalidate(input.productId, productWriteKey(input), () =>
    productWrites.patchProduct({ productId: input.productId, patch: input.patch, writeId: productWriteKey(input) }),
  );
  await publishProductWrite('product.updated', product);
  return withoutVersion(product);
}
