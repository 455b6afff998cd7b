// Request validation of the product routes. Unknown body fields are stripped (never stored);
// SKUs are upper-cased so uniqueness means the same on MySQL (case-insensitive collation) and
// SQLite; names are trimmed and free of control characters.
import { z } from 'zod';
import { PRODUCT_LIMITS } from '../../workflows/catalog/contract';
import { decodeCursor } from '../shared/keyset-cursor';

const noControlChars = (s: string) => ![...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);

const name = z
  .string()
  .trim()
  .min(1)
  .max(PRODUCT_LIMITS.nameMax)
  .refine(noControlChars, 'must not contain control characters');
const description = z.string().max(PRODUCT_LIMITS.descriptionMax);
const sku = z
  .string()
  .trim()
  .min(1)
  .max(PRODUCT_LIMITS.skuMax)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'must be letters, digits, dot, dash or underscore, starting with a letter or digit',
  )
  .transform((s) => s.toUpperCase());
const priceCents = z.number().int().min(0).max(PRODUCT_LIMITS.priceCentsMax);
const stock = z.number().int().min(0).max(PRODUCT_LIMITS.stockMax);

export const createProductSchema = z.object({
  name,
  description: description.default(''),
  priceCents,
  stock,
  sku: sku.optional(),
});

export const updateProductSchema = z
  .object({ name, description, priceCents, stock, sku })
  .partial()
  .refine(
    (p) => Object.values(p).some((v) => v !== undefined),
    'give at least one of name, description, priceCents, stock, sku',
  );

export const LIST_LIMIT_DEFAULT = 20;
export const LIST_LIMIT_MAX = 100;

const single = (v: unknown) => (Array.isArray(v) ? Symbol('repeated') : v); // ?limit=1&limit=2 is an error

export const listProductsQuery = z.object({
  limit: z.preprocess(
    single,
    z
      .string()
      .regex(/^\d{1,4}$/, `must be an integer from 1 to ${LIST_LIMIT_MAX}`)
      .transform(Number)
      .pipe(z.number().int().min(1).max(LIST_LIMIT_MAX))
      .optional(),
  ),
  cursor: z.preprocess(
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
  ),
  q: z.preprocess(
    single,
    z
      .string()
      .trim()
      .max(100)
      .optional()
      .transform((s) => (s ? s : undefined)),
  ),
});
