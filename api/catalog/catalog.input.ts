// Request validation of the product routes. Unknown body fields are stripped (never stored);
// SKUs are upper-cased so uniqueness means the same on MySQL (case-insensitive collation) and
// SQLite; names are trimmed and free of control characters.
import { PRODUCT_LIMITS } from '../../workflows/catalog/contract';
import { z } from '../openapi/zod-openapi';
import { CURSOR_MAX_LENGTH, decodeCursor } from '../shared/keyset-cursor';

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

export const LIST_LIMIT_DEFAULT = 20;
export const LIST_LIMIT_MAX = 100;

const single = (v: unknown) => (Array.isArray(v) ? Symbol('repeated') : v); // ?limit=1&limit=2 is an error

// Query values arrive as strings, parsed here; `.openapi` says what a client sends (e.g. an integer).
export const listProductsQuery = z.object({
  limit: z
    .preprocess(
      single,
      z
        .string()
        .regex(/^\d{1,4}$/, `must be an integer from 1 to ${LIST_LIMIT_MAX}`)
        .transform(Number)
        .pipe(z.number().int().min(1).max(LIST_LIMIT_MAX))
        .optional(),
    )
    .openapi({ type: 'integer', minimum: 1, maximum: LIST_LIMIT_MAX, default: LIST_LIMIT_DEFAULT }),
  cursor: z
    .preprocess(
      single,
      z
        .string()
        .optional()
        .transform((raw, ctx) => {
          if (raw === undefined || raw === '') return undefined;
          const cursor = decodeCursor(raw);
          if (!cursor) {
            ctx.addIssue({ code: 'custom', message: 'is not a cursor returned by this API' });
            return z.NEVER;
          }
          return cursor;
        }),
    )
    .openapi({ maxLength: CURSOR_MAX_LENGTH, param: { description: 'Opaque cursor from a previous page' } }),
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
