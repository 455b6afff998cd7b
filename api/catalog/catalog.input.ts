// Request validation of the product routes. Unknown body fields are stripped (never stored);
// SKUs are upper-cased so uniqueness means the same on MySQL (case-insensitive collation) and
// SQLite; names are trimmed and free of control characters.
import { PRODUCT_LIMITS } from '../../workflows/catalog/contract';
import { z } from '../openapi/zod-openapi';
import { pageQueryFields, single } from '../shared/page-query';

const noControlChars = (s: string) => ![...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);

const name = z
  .string()
  .trim()
  .min(1)
  .max(PRODUCT_LIMITS.nameMax)
  .refine(noControlChars, 'must not contain control characters')
  .openapi({ description: 'Trimmed; no control characters' });
const description = z.string().max(PRODUCT_LIMITS.descriptionMax);
const SKU_DESCRIPTION = 'Unique among all products, deleted ones included; stored upper-case';
const sku = z
  .string()
  .trim()
  .min(1)
  .max(PRODUCT_LIMITS.skuMax)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'must be letters, digits, dot, dash or underscore, starting with a letter or digit',
  )
  .transform((s) => s.toUpperCase())
  .openapi({ description: SKU_DESCRIPTION });
const priceCents = z
  .number()
  .int()
  .min(0)
  .max(PRODUCT_LIMITS.priceCentsMax)
  .openapi({ description: 'Price in minor units of `currency`' });
const stock = z.number().int().min(0).max(PRODUCT_LIMITS.stockMax).openapi({
  description:
    'Units available to sell. Units held by unpaid or unshipped orders are not in it and come back to it if such an order is cancelled: to count goods in or out, use stockDelta',
});

export const createProductSchema = z
  .object({
    name,
    description: description.default(''),
    priceCents,
    stock,
    sku: sku.optional().openapi({ description: `${SKU_DESCRIPTION}. Generated (SKU-<12 hex digits>) when absent` }),
  })
  .openapi('CreateProductRequest', { description: 'Unknown fields are ignored.' });

const stockDelta = z
  .number()
  .int()
  .min(-PRODUCT_LIMITS.stockMax)
  .max(PRODUCT_LIMITS.stockMax)
  .openapi({
    description: `Units to add (received goods) or, negative, take away (lost, damaged), applied atomically to the units available and once per write (a retry with the same Idempotency-Key adds nothing more); not with stock. 400 VALIDATION_FAILED if the result would leave 0..${PRODUCT_LIMITS.stockMax}`,
  });

export const updateProductSchema = z
  .object({ name, description, priceCents, stock, stockDelta, sku })
  .partial()
  .refine(
    (p) => Object.values(p).some((v) => v !== undefined),
    'give at least one of name, description, priceCents, stock, stockDelta, sku',
  )
  .refine((p) => p.stock === undefined || p.stockDelta === undefined, 'give stock or stockDelta, not both')
  .openapi('UpdateProductRequest', {
    description: 'Any non-empty subset of the fields; unknown fields are ignored.',
    minProperties: 1,
  });

export { LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX } from '../shared/page-query';

// Query values arrive as strings, parsed here; `.openapi` says what a client sends (e.g. an integer).
export const listProductsQuery = z.object({
  ...pageQueryFields,
  q: z
    .preprocess(
      single,
      z
        .string()
        .trim()
        .max(100)
        .optional()
        .transform((s) => (s ? s : undefined)),
    )
    .openapi({ param: { description: 'Only products whose name contains this text (case-insensitive)' } }),
});
