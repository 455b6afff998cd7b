// Idempotent order placement: the order ID is derived from (user, Idempotency-Key), so every
// repeat of a request addresses the same workflow (`order-<id>`), and the workflow ID
// policies do the rest. The request hash tells a repeat from a different request that reuses
// the key (422 IDEMPOTENCY_KEY_REUSED).
import { createHash } from 'node:crypto';
import type { OrderLine } from '../../workflows/catalog/contract';
import type { ShippingAddress } from '../../workflows/orders/contract';
import { badRequest } from '../problem';
import { idempotencyKeySchema } from './orders.input';

const NAMESPACE = 'temporal-shop/orders/idempotency-key/v1';

/** The validated Idempotency-Key header, or undefined when the client sent none. */
export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  if (!idempotencyKeySchema.safeParse(header).success)
    throw badRequest('Idempotency-Key must be 1 to 255 visible ASCII characters');
  return header;
}

/**
 * A name-based UUID (RFC 9562 version 8, SHA-256 of namespace, user and key): the same user and
 * key always give the same order ID; different users never collide.
 */
export function orderIdFor(userId: string, idempotencyKey: string): string {
  const digest = createHash('sha256')
    .update(NAMESPACE)
    .update('\0')
    .update(userId)
    .update('\0')
    .update(idempotencyKey)
    .digest();
  const b = Buffer.from(digest.subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x80; // version 8
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 9562 variant
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

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
