// The answers of the cart routes, as the OpenAPI document describes them (tied to the view type
// with `satisfies`).
import type { CartView } from '../../workflows/carts/contract';
import { z } from '../openapi/zod-openapi';

export const cartItemSchema = z
  .object({
    productId: z.string().uuid(),
    name: z.string().openapi({ description: 'Empty when the product is gone' }),
    unitPriceCents: z.number().int().openapi({ description: 'The catalog price now, in minor units' }),
    quantity: z.number().int(),
    lineTotalCents: z.number().int(),
    available: z
      .boolean()
      .openapi({ description: 'False when the product is gone or has less stock than the quantity asked' }),
  })
  .openapi('CartItem');

export const cartSchema = z
  .object({
    items: z.array(cartItemSchema),
    totalCents: z.number().int().openapi({ description: 'Of the available lines: what checkout would charge' }),
    currency: z.string().openapi({ description: 'ISO 4217' }),
    updatedAt: z.string().datetime().nullable().openapi({ description: 'Last change of the lines; null if never' }),
  })
  .openapi('Cart') satisfies z.ZodType<CartView>;
