// Integration events contract: the catalogue's names, the data each event carries, and what a
// workflow hands the `publishEvent` activity. Public API once shipped: never rename an event or
// remove a field; add optional fields only. The zod schemas (and the JSON Schemas generated
// from them, docs/events/schemas) are in common/events/catalogue.ts, tied to these types.
// Sandbox-safe (a type import only), so every domain's workflows may use it.
import type { ActivityOptions } from '@temporalio/common';

/** Every event the shop publishes; the CloudEvents `type` is `shop.<name>`, the AMQP routing key is `<name>`. */
export const SHOP_EVENT_NAMES = [
  'user.registered',
  'product.created',
  'product.updated',
  'product.deleted',
  'order.accepted',
  'order.rejected',
  'order.paid',
  'order.payment_failed',
  'order.cancelled',
  'order.shipped',
] as const;
export type ShopEventName = (typeof SHOP_EVENT_NAMES)[number];

/** The RabbitMQ topic exchange the events are published to (durable). */
export const EVENTS_EXCHANGE = 'shop.events';

export const eventType = (name: ShopEventName): string => `shop.${name}`;

/** The owning domain of an event (its CloudEvents `source` is `/temporal-shop/<domain>`). */
export function eventDomain(name: ShopEventName): 'users' | 'catalog' | 'orders' {
  const entity = name.slice(0, name.indexOf('.'));
  return entity === 'user' ? 'users' : entity === 'product' ? 'catalog' : 'orders';
}

export interface EventOrderItem {
  productId: string;
  name: string;
  unitPriceCents: number;
  quantity: number;
}

/** The only event that carries an e-mail address. Never a password or its hash. */
export interface UserRegisteredData {
  userId: string;
  email: string;
  name: string;
  role: 'customer' | 'admin';
  registeredAt: string;
}

/** The product as it is after the change (a snapshot, so a consumer never needs the previous one). */
export interface ProductSnapshotData {
  productId: string;
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  stock: number;
  updatedAt: string;
}

export interface ProductDeletedData {
  productId: string;
  sku: string;
  deletedAt: string;
}

export interface OrderAcceptedData {
  orderId: string;
  userId: string;
  items: EventOrderItem[];
  totalCents: number;
  currency: string;
  acceptedAt: string;
}

/** Refused at intake: nothing was reserved or charged, and no order row exists. */
export interface OrderRejectedData {
  orderId: string;
  userId: string;
  /** A stable code: OUT_OF_STOCK, UNKNOWN_PRODUCT, VALIDATION_FAILED, CHECKOUT_EXPIRED, ORDER_INTAKE_FAILED. */
  reason: string;
  rejectedAt: string;
}

export interface OrderPaidData {
  orderId: string;
  userId: string;
  totalCents: number;
  currency: string;
  /** The payment provider's charge reference (not a secret: no card data, no keys). */
  chargeId: string;
  paidAt: string;
}

export interface OrderPaymentFailedData {
  orderId: string;
  userId: string;
  /** PAYMENT_DECLINED (the order is FAILED, its stock released). */
  reason: string;
  failedAt: string;
}

export interface OrderCancelledData {
  orderId: string;
  userId: string;
  cancelledBy: 'customer' | 'admin' | 'system';
  /**
   * The system's reason code (PAYMENT_TIMEOUT, PAYMENT_ERROR, WORKFLOW_CANCELLED) when the system
   * cancelled. A customer's or admin's free-text reason is not carried: it may hold personal data
   * (an e-mail address, say), as in the order-cancelled e-mail.
   */
  reason?: string;
  /** Present when a captured charge was refunded. */
  refund: { refundId: string; amountCents: number; currency: string } | null;
  cancelledAt: string;
}

export interface OrderShippedData {
  orderId: string;
  userId: string;
  shippedAt: string;
}

/** The data of each event, by name. */
export interface ShopEventDataMap {
  'user.registered': UserRegisteredData;
  'product.created': ProductSnapshotData;
  'product.updated': ProductSnapshotData;
  'product.deleted': ProductDeletedData;
  'order.accepted': OrderAcceptedData;
  'order.rejected': OrderRejectedData;
  'order.paid': OrderPaidData;
  'order.payment_failed': OrderPaymentFailedData;
  'order.cancelled': OrderCancelledData;
  'order.shipped': OrderShippedData;
}

/**
 * What a workflow passes to `publishEvent`: everything the CloudEvent is built from, so a
 * retried activity builds the very same document (same ID, same time).
 */
export type PublishEventInput = {
  [N in ShopEventName]: {
    name: N;
    /** The entity ID (order, product or user ID): the CloudEvents `subject`. */
    subject: string;
    /** Position of the event among its entity's events, from 1, contiguous. */
    sequence: number;
    /** When the state change happened (ISO 8601; the workflow's clock, so replay-stable). */
    time: string;
    data: ShopEventDataMap[N];
  };
}[ShopEventName];

export interface PublishEventResult {
  id: string;
  /** False when this process had already confirmed the same event ID (nothing sent again). */
  published: boolean;
}

/**
 * The activity options a workflow should call `publishEvent` with: it retries until the
 * broker confirms (forever, backing off to one attempt a minute), each attempt bounded, so a
 * broker outage delays events and never fails the workflow. Schedule-to-close is unset on
 * purpose. A non-retryable `InvalidEvent` (the data broke its schema) is a bug, not an outage.
 */
export const PUBLISH_EVENT_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    // maximumAttempts unset: unlimited (the TypeScript SDK refuses 0).
    nonRetryableErrorTypes: ['InvalidEvent'],
  },
};

/**
 * The patch every domain workflow's event publishing is behind: runs begun before it replay
 * without publishing (their events are not published after the fact either).
 */
export const INTEGRATION_EVENTS_PATCH = 'integration-events';

/** Workflow type of the durable publication of one event (an abandoned child of the write's workflow). */
export const PUBLISH_INTEGRATION_EVENT_WORKFLOW = 'publishIntegrationEvent';

/**
 * The publication workflow's ID: one per event identity (name, subject, sequence), so the same
 * event is started at most once (REJECT_DUPLICATE) whatever re-runs its write.
 */
export const integrationEventWorkflowId = (input: Pick<PublishEventInput, 'name' | 'subject' | 'sequence'>): string =>
  `event-${input.name}-${input.subject}-${input.sequence}`;
