// The answers of the orders routes, as the OpenAPI document describes them. `satisfies` ties each
// schema to the view type the handlers build, so the two cannot drift apart unnoticed.
import {
  ORDER_STATUSES,
  PAYMENT_STATUSES,
  type OrderView,
  type ShippingAddress,
} from '../../workflows/orders/contract';
import { z } from '../openapi/zod-openapi';

export const orderItemSchema = z
  .object({
    productId: z.string().uuid(),
    name: z.string(),
    unitPriceCents: z.number().int().openapi({ description: 'Catalog price at order time, in minor units' }),
    quantity: z.number().int(),
  })
  .openapi('OrderItem');

export const shippingAddressViewSchema = z
  .object({
    name: z.string(),
    line1: z.string(),
    line2: z.string().optional(),
    city: z.string(),
    postalCode: z.string(),
    region: z.string().optional(),
    country: z.string().openapi({ description: 'ISO 3166-1 alpha-2' }),
    phone: z.string().optional(),
  })
  .openapi('ShippingAddressView') satisfies z.ZodType<ShippingAddress>;

export const orderSchema = z
  .object({
    id: z.string().uuid(),
    userId: z.string().uuid(),
    status: z.enum(ORDER_STATUSES),
    items: z.array(orderItemSchema),
    totalCents: z.number().int(),
    currency: z.string().openapi({ description: 'ISO 4217' }),
    payment: z
      .object({ status: z.enum(PAYMENT_STATUSES), chargeId: z.string().optional(), refundId: z.string().optional() })
      .nullable(),
    failureReason: z.string().optional().openapi({
      description:
        'PAYMENT_DECLINED (FAILED); PAYMENT_TIMEOUT, PAYMENT_ERROR or WORKFLOW_CANCELLED (cancelled by the system)',
    }),
    shippingAddress: shippingAddressViewSchema.optional(),
    createdAt: z.string().datetime(),
    updatedAt: z.string().datetime(),
  })
  .openapi('Order') satisfies z.ZodType<OrderView>;

export const orderPageSchema = z
  .object({
    items: z.array(orderSchema),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as cursor for the next page; null on the last page' }),
  })
  .openapi('OrderPage');
