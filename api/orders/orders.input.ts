// Request validation of the orders routes. Unknown fields (a price, a total...) are dropped:
// prices come from the catalog only.
import type { Config } from '../../common/config';
import { PLAIN_TEXT_RULE, isPlainText } from '../../common/plain-text';
import {
  DEFAULT_PAYMENT_METHOD,
  ORDER_STATUSES,
  PAYMENT_METHODS,
  type PaymentMethod,
  SANDBOX_ONLY_PAYMENT_METHODS,
} from '../../workflows/orders/contract';
import { z } from '../openapi/zod-openapi';
import { uuid } from '../shared/id-params';

const paymentMethods = Object.values(PAYMENT_METHODS) as [string, ...string[]];
const MAX_UNITS_PER_PRODUCT = 100;

/** Whether this shop refuses the sandbox provider's test behaviours (see PAYMENT_SANDBOX_BEHAVIOURS). */
export const refusesSandboxMethod = (config: Config, method: string): boolean =>
  SANDBOX_ONLY_PAYMENT_METHODS.includes(method as PaymentMethod) &&
  (config.PAYMENT_SANDBOX_BEHAVIOURS === 'refuse' ||
    (config.PAYMENT_SANDBOX_BEHAVIOURS === 'auto' && config.NODE_ENV === 'production'));

/** One line of address text: it is shown in order views and e-mails. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine(isPlainText, PLAIN_TEXT_RULE)
    .openapi({ description: `1 to ${max} characters; ${PLAIN_TEXT_RULE}` });

/** A structured postal address; unknown fields are dropped. */
export const shippingAddressSchema = z
  .object({
    name: text(100),
    line1: text(200),
    line2: text(200).optional(),
    city: text(100),
    postalCode: text(20),
    region: text(100).optional(),
    country: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{2}$/, 'an ISO 3166-1 alpha-2 code such as DE')
      .transform((c) => c.toUpperCase())
      .openapi({ description: 'ISO 3166-1 alpha-2', example: 'DE' }),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9][0-9 ()./-]{3,30}$/, 'digits, spaces and + ( ) . / - only')
      .optional(),
  })
  .openapi('ShippingAddress');

export const placeOrderSchema = z
  .object({
    items: z
      .array(z.object({ productId: uuid, quantity: z.number().int().min(1).max(MAX_UNITS_PER_PRODUCT) }))
      .min(1)
      .max(50)
      // Lines of one product are merged into one: the cap holds for their sum.
      .superRefine((lines, ctx) => {
        const units = new Map<string, number>();
        for (const { productId, quantity } of lines) units.set(productId, (units.get(productId) ?? 0) + quantity);
        for (const [productId, total] of units)
          if (total > MAX_UNITS_PER_PRODUCT)
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              message: `at most ${MAX_UNITS_PER_PRODUCT} units of one product in all (product ${productId}: ${total})`,
            });
      })
      .openapi({ description: `At most ${MAX_UNITS_PER_PRODUCT} units of one product, lines of it added up` }),
    paymentMethod: z.enum(paymentMethods).default(DEFAULT_PAYMENT_METHOD).openapi({
      description:
        'Stripe-style test payment methods: pm_card_visa succeeds, pm_card_chargeDeclined is declined; pm_card_flaky, pm_card_slow and pm_card_unavailable are sandbox behaviours (transient failures, a slow answer, an outage), refused (400) in production unless PAYMENT_SANDBOX_BEHAVIOURS=allow.',
    }),
    shippingAddress: shippingAddressSchema
      .optional()
      .openapi({ description: 'Where the order ships (optional here; required at cart checkout)' }),
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
