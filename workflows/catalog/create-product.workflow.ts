import { type CreateProductInput, type ProductView, generatedSku, productWriteKey } from './contract';
import { writeThenInvalidate } from './product-cache';
import { publishProductWrite, withoutVersion } from './product-events';
import { productWrites } from './product-writes';

/** Creates a product with the ID chosen by the gateway (a generated SKU when none is given). */
export async function createProduct(input: CreateProductInput): Promise<ProductView> {
  const fields = { ...input.fields, sku: input.fields.sku ?? generatedSku(input.productId) };
  const product = await writeThenInvalidate(input.productId, productWriteKey(input), () =>
    productWrites.insertProduct({ productId: input.productId, fields }),
  );
  await publishProductWrite('product.created', product);
  return withoutVersion(product);
}
