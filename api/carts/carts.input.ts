// Request validation of the cart routes. Prices never come from the request.
import { CART_LIMITS } from '../../workflows/carts/contract';
import { DEFAULT_PAYMENT_METHOD, PAYMENT_METHODS } from '../../workflows/orders/contract';
import { z } from '../openapi/zod-openapi';
import { shippingAddressSchema } from '../orders/orders.input';
import { uuid } from '../shared/id-params';

const paymentMethods = Object.values(PAYMENT_METHODS) as [string, ...string[]];

export const cartItemParams = z.object({ productId: uuid });

export const setCartItemSchema = z
  .object({
    quantity: z
      .number()
      .int()
      .min(0)
      .max(CART_LIMITS.maxUnitsPerLine)
      .openapi({ description: `0 removes the line; at most ${CART_LIMITS.maxUnitsPerLine} units of one product` }),
  })
  .openapi('SetCartItemRequest');

export const checkoutSchema = z
  .object({
    paymentMethod: z.enum(paymentMethods).default(DEFAULT_PAYMENT_METHOD).openapi({
      description: 'As for POST /api/orders (pm_card_visa by default)',
    }),
    shippingAddress: shippingAddressSchema,
  })
  .openapi('CheckoutRequest');
