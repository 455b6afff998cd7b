import { type DeleteProductInput, type DeleteProductResult, productWriteKey } from './contract';
import { writeThenInvalidate } from './product-cache';
import { publishProductDeleted } from './product-events';
import { productWrites } from './product-writes';

/**
 * Soft-deletes a product: it leaves the catalog (not readable, listed or orderable) while the
 * orders that reference it keep the name and price they copied. The deletion time is taken
 * here, deterministically, and is what makes a retried delete recognise its own earlier attempt.
 */
export async function deleteProduct(input: DeleteProductInput): Promise<DeleteProductResult> {
  const deletedAt = new Date().toISOString();
  const deleted = await writeThenInvalidate(input.productId, productWriteKey(input), () =>
    productWrites.markProductDeleted({ productId: input.productId, deletedAt }),
  );
  await publishProductDeleted(deleted);
  return { productId: deleted.productId, deletedAt: deleted.deletedAt };
}
