// The answers of the product routes, as the OpenAPI document describes them. `satisfies` ties
// each schema to the type the handlers answer with, so the two cannot drift apart unnoticed.
import type { ProductView } from '../../workflows/catalog/contract';
import { z } from '../openapi/zod-openapi';

export const productSchema = z
  .object({
    id: z.string().uuid(),
    sku: z.string(),
    name: z.string(),
    description: z.string(),
    priceCents: z.number().int().min(0),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .openapi({ description: 'ISO 4217' }),
    stock: z.number().int().min(0),
    createdAt: z.string().datetime(),
    updatedAt: z.string().datetime(),
  })
  .strict()
  .openapi('Product') satisfies z.ZodType<ProductView>;

export const productPageSchema = z
  .object({
    items: z.array(productSchema),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  })
  .strict()
  .openapi('ProductPage');
