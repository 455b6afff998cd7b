// Entity → public view mappers, shared by the activities (workflow results) and the
// gateway's read path, so both answer with exactly the same JSON.
import type { CartQuote } from '../workflows/carts/contract';
import type { ProductView } from '../workflows/catalog/contract';
import type { OrderView, OrderStatus, PaymentStatus } from '../workflows/orders/contract';
import type { UserView } from '../workflows/users/contract';
import { OrderEntity, type ProductEntity, type UserEntity } from './entities';

export function toUserView(u: UserEntity): UserView {
  return { id: u.id, email: u.email, name: u.name, role: u.role, createdAt: u.createdAt.toISOString() };
}

export function toProductView(p: ProductEntity): ProductView {
  return {
    id: p.id,
    sku: p.sku,
    name: p.name,
    description: p.description,
    priceCents: p.priceCents,
    currency: p.currency,
    stock: p.stock,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

/** The catalog's answer to a cart: each found product's name, price and stock. */
export function toCartQuote(rows: ProductEntity[]): CartQuote {
  return {
    products: rows.map((p) => ({
      productId: p.id,
      name: p.name,
      priceCents: p.priceCents,
      currency: p.currency,
      stock: p.stock,
    })),
  };
}

export function toOrderView(o: OrderEntity): OrderView {
  const payment = o.paymentStatus
    ? {
        status: o.paymentStatus as PaymentStatus,
        ...(o.chargeId ? { chargeId: o.chargeId } : {}),
        ...(o.refundId ? { refundId: o.refundId } : {}),
      }
    : null;
  return {
    id: o.id,
    userId: o.userId,
    status: o.status as OrderStatus,
    items: (o.items ?? [])
      .map((i) => ({ productId: i.productId, name: i.name, unitPriceCents: i.unitPriceCents, quantity: i.quantity }))
      .sort((a, b) => a.productId.localeCompare(b.productId)),
    totalCents: o.totalCents,
    currency: o.currency,
    payment,
    ...(o.failureReason ? { failureReason: o.failureReason } : {}),
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
  };
}

/**
 * The order as it was when it was accepted (priced, reserved, PENDING): the body of the 201
 * answer to POST /api/orders. Built only from fields that never change after acceptance, so the
 * workflow's answer and a later replay from the row are the same JSON, byte for byte.
 */
export function acceptedOrderView(row: OrderEntity): OrderView {
  return toOrderView(
    Object.assign(new OrderEntity(), row, {
      status: 'PENDING',
      paymentStatus: 'PENDING',
      chargeId: null,
      refundId: null,
      failureReason: null,
      updatedAt: row.createdAt,
    }),
  );
}
