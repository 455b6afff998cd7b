// Orders domain contract: IDs, the order view, messages and search attributes of placeOrder.
// Message names are public API (the gateway, the Web UI and operators' CLI commands use them).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { OrderLine } from '../catalog/contract';

export const ORDERS_TASK_QUEUE = 'orders';

export const orderWorkflowId = (orderId: string): string => `order-${orderId}`;

export const ORDER_STATUSES = ['PENDING', 'PAID', 'SHIPPED', 'CANCELLED', 'FAILED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export type PaymentStatus = 'PENDING' | 'SUCCEEDED' | 'DECLINED' | 'REFUNDED';

export interface OrderItemView {
  productId: string;
  name: string;
  unitPriceCents: number;
  quantity: number;
}

export interface OrderView {
  id: string;
  userId: string;
  status: OrderStatus;
  items: OrderItemView[];
  totalCents: number;
  currency: string;
  payment: { status: PaymentStatus; chargeId?: string; refundId?: string } | null;
  failureReason?: string;
  createdAt: string;
  updatedAt: string;
}

export interface PlaceOrderInput {
  orderId: string;
  userId: string;
  lines: OrderLine[];
  paymentMethod: string;
  /** SHA-256 of the canonical request when the client sent an Idempotency-Key, else null. */
  requestHash: string | null;
  requestId?: string;
  createdAt: string;
}

export interface CancelOrderRequest {
  /** Who asked: the owner or an admin (the gateway has checked which). */
  actor: 'customer' | 'admin' | 'system';
  reason?: string;
}

/** The update sent with update-with-start: returns once the order is priced and reserved. */
export const submitOrderUpdate = defineUpdate<OrderView, [{ requestHash: string | null }]>('submitOrder');
export const cancelOrderUpdate = defineUpdate<OrderView, [CancelOrderRequest]>('cancelOrder');
export const shipOrderUpdate = defineUpdate<OrderView, []>('shipOrder');
export const getOrderQuery = defineQuery<OrderView | null>('getOrder');

export const CustomerIdSearchAttribute = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const OrderStatusSearchAttribute = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const OrderTotalCentsSearchAttribute = defineSearchAttributeKey('OrderTotalCents', SearchAttributeType.INT);

/** The search attributes the dev server must register (scripts/temporal-cli.mjs reads these). */
export const ORDER_SEARCH_ATTRIBUTES = { CustomerId: 'Keyword', OrderStatus: 'Keyword', OrderTotalCents: 'Int' } as const;

export const PAYMENT_METHODS = {
  visa: 'pm_card_visa',
  declined: 'pm_card_chargeDeclined',
  /** Sandbox-only: fails transiently a few times, then succeeds (proves activity retries). */
  flaky: 'pm_card_flaky',
} as const;
