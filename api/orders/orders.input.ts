// Request validation of the orders routes. Unknown fields (a price, a total...) are dropped:
// prices come from the catalog only.
import { z } from 'zod';
import { DEFAULT_PAYMENT_METHOD, ORDER_STATUSES, PAYMENT_METHODS } from '../../workflows/orders/contract';
import { uuid } from '../shared/id-params';

const paymentMethods = Object.values(PAYMENT_METHODS) as [string, ...string[]];

export const placeOrderSchema = z.object({
  items: z
    .array(z.object({ productId: uuid, quantity: z.number().int().min(1).max(100) }))
    .min(1)
    .max(50),
  paymentMethod: z.enum(paymentMethods).default(DEFAULT_PAYMENT_METHOD),
});
export const cancelOrderSchema = z.object({ reason: z.string().trim().min(1).max(200).optional() });
export const listOrdersSchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(200).optional(),
  userId: uuid.optional(),
  status: z.enum(ORDER_STATUSES).optional(),
});
