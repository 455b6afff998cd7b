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

export const cartCheckoutSchema = z
  .object({
    status: z.literal('PENDING'),
    orderId: z.string().uuid().openapi({
      description: 'The order this checkout places: GET /api/orders/{id} answers 404 until it is accepted',
    }),
    since: z.string().datetime().openapi({ description: 'When the checkout began' }),
  })
  .openapi('CartCheckout', {
    description:
      "A checkout under way: its lines stay in the cart until its order is accepted. Another checkout meanwhile is 409 CHECKOUT_IN_PROGRESS; repeating this one's request (same Idempotency-Key or none, same payment method and address) answers its order. It ends when the order is accepted or refused, or past CART_CHECKOUT_PENDING_MS when the cart looks the order up itself.",
  });

export const cartSchema = z
  .object({
    items: z.array(cartItemSchema),
    totalCents: z.number().int().openapi({ description: 'Of the available lines: what checkout would charge' }),
    currency: z.string().openapi({ description: 'ISO 4217' }),
    updatedAt: z.string().datetime().nullable().openapi({ description: 'Last change of the lines; null if never' }),
    checkout: cartCheckoutSchema.nullable().openapi({ description: 'The checkout under way, or null' }),
  })
  .openapi('Cart') satisfies z.ZodType<CartView>;
