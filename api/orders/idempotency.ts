// Idempotent order placement: the order ID is derived from (user, Idempotency-Key), so every
// repeat of a request addresses the same workflow (`order-<id>`), and the workflow ID
// policies do the rest. The request hash tells a repeat from a different request that reuses
// the key (422 IDEMPOTENCY_KEY_REUSED).
import { createHash } from 'node:crypto';
import type { OrderLine } from '../../workflows/catalog/contract';
import type { ShippingAddress } from '../../workflows/orders/contract';
import { idForKey } from '../shared/idempotency-key';

/** The order a customer's Idempotency-Key stands for (the customer's ID is the key's scope). */
export const orderIdFor = (userId: string, idempotencyKey: string): string => idForKey(userId, idempotencyKey);

/**
 * The order a cart checkout's Idempotency-Key stands for: a scope of its own (`<userId>:cart`),
 * which no POST /api/orders key can reach (its scope is the bare user ID, and a key cannot hold
 * the separator), so neither request ever answers with the other's order.
 */
export const checkoutOrderIdFor = (userId: string, idempotencyKey: string): string =>
  idForKey(`${userId}:cart`, idempotencyKey);

/** What a checkout asks besides the cart's lines: only the same request joins a checkout under way. */
export const checkoutRequestHash = (req: Omit<OrderRequest, 'items'>): string =>
  orderRequestHash({ ...req, items: [] });

export interface OrderRequest {
  items: OrderLine[];
  paymentMethod: string;
  shippingAddress?: ShippingAddress;
}

/**
 * The request in canonical form: lines merged per product and sorted, so the same order
 * written differently (line order, split quantities) is the same request.
 */
export function canonicalOrderRequest(req: OrderRequest): string {
  const byProduct = new Map<string, number>();
  for (const l of req.items)
    byProduct.set(l.productId.toLowerCase(), (byProduct.get(l.productId.toLowerCase()) ?? 0) + l.quantity);
  const items = [...byProduct]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([productId, quantity]) => ({ productId, quantity }));
  // Without an address, the same text as before addresses existed: keys already used keep their hash.
  const address = req.shippingAddress
    ? Object.fromEntries(Object.entries(req.shippingAddress).sort(([a], [b]) => (a < b ? -1 : 1)))
    : undefined;
  return JSON.stringify({ items, paymentMethod: req.paymentMethod, ...(address ? { shippingAddress: address } : {}) });
}

export const orderRequestHash = (req: OrderRequest): string =>
  createHash('sha256').update(canonicalOrderRequest(req)).digest('hex');
