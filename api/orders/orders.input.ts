// Request validation of the orders routes. Unknown fields (a price, a total...) are dropped:
// prices come from the catalog only.
import { DEFAULT_PAYMENT_METHOD, ORDER_STATUSES, PAYMENT_METHODS } from '../../workflows/orders/contract';
import { z } from '../openapi/zod-openapi';
import { uuid } from '../shared/id-params';

const paymentMethods = Object.values(PAYMENT_METHODS) as [string, ...string[]];

export const placeOrderSchema = z
  .object({
    items: z
      .array(z.object({ productId: uuid, quantity: z.number().int().min(1).max(100) }))
      .min(1)
      .max(50),
    paymentMethod: z.enum(paymentMethods).default(DEFAULT_PAYMENT_METHOD).openapi({
      description:
        'Stripe-style test payment methods: pm_card_visa succeeds, pm_card_chargeDeclined is declined; pm_card_flaky, pm_card_slow and pm_card_unavailable are sandbox behaviours (transient failures, a slow answer, an outage).',
    }),
  })
  .openapi('PlaceOrderRequest');
export const cancelOrderSchema = z
  .object({ reason: z.string().trim().min(1).max(200).optional() })
  .openapi('CancelOrderRequest');
export const listOrdersSchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ param: { description: 'nextCursor of the previous page (opaque)' } }),
  userId: uuid
    .optional()
    .openapi({ param: { description: 'Admins: orders of this user. Customers: only their own ID is allowed.' } }),
  status: z.enum(ORDER_STATUSES).optional(),
});

/** The Idempotency-Key header: visible ASCII, 1 to 255 characters (UUIDs, ULIDs and the like all fit). */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]*$/);
