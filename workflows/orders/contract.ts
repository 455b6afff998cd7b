// Orders domain contract: IDs, the order view, messages and search attributes of placeOrder.
// Message names are public API (the gateway, the Web UI and operators' CLI commands use them).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { OrderLine, PricedLine } from '../catalog/contract';
import type { OrderEmailHandOff } from '../notifications/contract';
import { FailureType } from '../shared/failures';

export const ORDERS_TASK_QUEUE = 'orders';

export const orderWorkflowId = (orderId: string): string => `order-${orderId}`;

export const ORDER_STATUSES = ['PENDING', 'PAID', 'SHIPPED', 'CANCELLED', 'FAILED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * PENDING: charge not settled yet; SUCCEEDED: captured; DECLINED: refused by the provider;
 * REFUNDED: captured, then refunded in full; CANCELLED: called off before anything was captured.
 */
export const PAYMENT_STATUSES = ['PENDING', 'SUCCEEDED', 'DECLINED', 'REFUNDED', 'CANCELLED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Why an order ended FAILED or was cancelled by the system (`failureReason`). */
export const OrderFailureReason = {
  PaymentDeclined: 'PAYMENT_DECLINED',
  /** Auto-cancelled: the payment did not complete within ORDER_PAYMENT_TIMEOUT_MS. */
  PaymentTimeout: 'PAYMENT_TIMEOUT',
  /** Auto-cancelled: the charge failed in an unexpected, non-retryable way. */
  PaymentError: 'PAYMENT_ERROR',
  /** Cancelled through a Temporal cancellation request (Web UI, `temporal workflow cancel`). */
  WorkflowCancelled: 'WORKFLOW_CANCELLED',
} as const;

export interface OrderItemView {
  productId: string;
  name: string;
  unitPriceCents: number;
  quantity: number;
}

/** Where an order ships (personal data: kept by the gateway by order ID, never in a workflow's history). */
export interface ShippingAddress {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  region?: string;
  /** ISO 3166-1 alpha-2, upper case. */
  country: string;
  phone?: string;
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
  /** Attached by the gateway from its table (absent for an order placed without one). */
  shippingAddress?: ShippingAddress;
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
  /**
   * How long the order may stay PENDING (payment not settled) before it is cancelled
   * automatically, refunding anything captured. From ORDER_PAYMENT_TIMEOUT_MS at start.
   */
  paymentTimeoutMs: number;
  /**
   * A cart checkout's order: the cart's pending deadline (ISO). A run the Temporal server started
   * later is refused (CheckoutExpired, nothing reserved): past it the cart may already have let
   * the checkout go. Not part of the request hash. Absent for POST /api/orders and older gateways.
   */
  placeBy?: string;
}

export interface CancelOrderRequest {
  /**
   * Who asked: the owner or an admin (the gateway has checked which), or the workflow itself.
   * `system` is the workflow's own (payment deadline, charge failure, operator cancellation):
   * the update refuses it, since a system reason code reaches the customer's e-mail.
   */
  actor: 'customer' | 'admin' | 'system';
  /** With actor `customer`: the customer's user ID, which must be the order's. */
  customerId?: string;
  reason?: string;
}

/**
 * The memo field of a cart checkout's placeOrder run: the token of the pending checkout it was
 * started for (CheckoutStart.checkoutToken), which tells that checkout's order from an older
 * order of the same key and order ID.
 */
export const CHECKOUT_TOKEN_MEMO = 'checkoutToken';

/** A request refused at intake: no order exists, nothing is reserved or charged. */
export interface OrderRejection {
  /** A FailureType (OutOfStock, UnknownProduct, ValidationFailed, CheckoutExpired) or OrderIntakeFailed. */
  type: string;
  message: string;
  details?: unknown;
}

/** What a placeOrder run ends with: the final order, or the rejection of the request. */
export type PlaceOrderResult =
  | { outcome: 'COMPLETED'; order: OrderView }
  | { outcome: 'REJECTED'; rejection: OrderRejection; requestHash: string | null };

/** The update sent with update-with-start: returns once the order is priced and reserved. */
export const submitOrderUpdate = defineUpdate<OrderView, [{ requestHash: string | null }]>('submitOrder');
export const cancelOrderUpdate = defineUpdate<OrderView, [CancelOrderRequest]>('cancelOrder');
export const shipOrderUpdate = defineUpdate<OrderView, []>('shipOrder');
export const getOrderQuery = defineQuery<OrderView | null>('getOrder');

/**
 * Update IDs the gateway sends. The server deduplicates updates by ID within a run, so
 * concurrent repeats of one request become one update in history (the hash is part of the
 * submit ID so that a different body under the same key is still validated, and refused).
 */
export const submitOrderUpdateId = (requestHash: string | null): string =>
  requestHash ? `submit-${requestHash}` : 'submit';
export const CANCEL_ORDER_UPDATE_ID = 'cancel';
export const SHIP_ORDER_UPDATE_ID = 'ship';

export const CustomerIdSearchAttribute = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
/** The order status, or REJECTED for a request refused at intake (never an order). */
export const OrderStatusSearchAttribute = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const OrderTotalCentsSearchAttribute = defineSearchAttributeKey('OrderTotalCents', SearchAttributeType.INT);
/** Lines in a customer's cart (cart-<userId> workflows, workflows/carts); with CustomerId. */
export const CartItemCountSearchAttribute = defineSearchAttributeKey('CartItemCount', SearchAttributeType.INT);

/** How the temporal CLI spells each search attribute type (`--search-attribute Name:Type`). */
const CLI_TYPE_NAMES = { KEYWORD: 'Keyword', INT: 'Int' } as const;
const cliEntry = <N extends string, T extends keyof typeof CLI_TYPE_NAMES>(key: { name: N; type: T }) =>
  ({ [key.name]: CLI_TYPE_NAMES[key.type] }) as { [K in N]: (typeof CLI_TYPE_NAMES)[T] };

/** The search attributes the servers must register, name to CLI type (the deploy scripts use these). */
export const ORDER_SEARCH_ATTRIBUTES = {
  ...cliEntry(CustomerIdSearchAttribute),
  ...cliEntry(OrderStatusSearchAttribute),
  ...cliEntry(OrderTotalCentsSearchAttribute),
  ...cliEntry(CartItemCountSearchAttribute),
};

/**
 * Payment methods, after Stripe's test cards. The sandbox provider (the only one shipped)
 * understands all of them; the last three are sandbox-only behaviours for tests and demos.
 */
export const PAYMENT_METHODS = {
  visa: 'pm_card_visa',
  declined: 'pm_card_chargeDeclined',
  /** Sandbox-only: fails transiently a few times (once after capturing), then succeeds. */
  flaky: 'pm_card_flaky',
  /** Sandbox-only: captures at once but answers only seconds later (a slow or lost response). */
  slow: 'pm_card_slow',
  /** Sandbox-only: the provider is unavailable for this card, every attempt (an outage). */
  unavailable: 'pm_card_unavailable',
} as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[keyof typeof PAYMENT_METHODS];
export const DEFAULT_PAYMENT_METHOD: PaymentMethod = PAYMENT_METHODS.visa;
/** Test behaviours of the sandbox provider: each can hold an order's stock until its deadline. */
export const SANDBOX_ONLY_PAYMENT_METHODS: readonly PaymentMethod[] = [
  PAYMENT_METHODS.flaky,
  PAYMENT_METHODS.slow,
  PAYMENT_METHODS.unavailable,
];

/** Failures that refuse an order request at intake (nothing reserved); anything else there is OrderIntakeFailed. */
export const INTAKE_REJECTIONS: readonly string[] = [
  FailureType.UnknownProduct,
  FailureType.OutOfStock,
  FailureType.ValidationFailed,
  FailureType.CheckoutExpired,
];

/** Orders-internal failure types (not part of the HTTP failure table). */
export const OrderFailureType = {
  /** The charge key was closed by a cancellation before this attempt captured anything. */
  PaymentCancelled: 'PaymentCancelled',
  /** The provider could not be reached or answered with a transient error: retried. */
  PaymentProviderUnavailable: 'PaymentProviderUnavailable',
  /** Pricing or reservation could not complete (catalog unavailable past the intake deadline). */
  OrderIntakeFailed: 'OrderIntakeFailed',
} as const;

/** Activity inputs of the orders domain (shared by the workflow and the activities). */
export interface OpenOrderInput {
  orderId: string;
  userId: string;
  lines: PricedLine[];
  currency: string;
  paymentMethod: string;
  requestHash: string | null;
  createdAt: string;
}

/** Input of startOrderEmail: an order e-mail, handed to the notifications domain as it is. */
export type OrderEmailInput = OrderEmailHandOff;

export interface OrderTransition {
  orderId: string;
  /** The status the row must have before this write (a guard against stray writes). */
  from: OrderStatus;
  to: OrderStatus;
  payment: { status: PaymentStatus; chargeId?: string | null; refundId?: string | null } | null;
  failureReason?: string | null;
  /** Workflow time of the transition, so a retried write stores the same value. */
  at: string;
}

export interface ChargeInput {
  orderId: string;
  amountCents: number;
  currency: string;
  paymentMethod: string;
}

export interface RefundInput {
  orderId: string;
  amountCents: number;
  currency: string;
}

export interface ChargeResult {
  chargeId: string;
}

export interface RefundResult {
  /** 'refunded': the capture was refunded; 'nothing-captured': the charge key is now closed. */
  outcome: 'refunded' | 'nothing-captured';
  chargeId: string | null;
  refundId: string | null;
}
