// Carts domain contract: the cart-<userId> entity workflow's ID, messages, state and the
// catalog quote it asks for. Message names are public API (the gateway and operators' CLI
// commands use them). The cart runs on the orders task queue: it is the front half of an order,
// and a pool of its own would be one more Deployment to scale for a few updates a minute.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { OrderLine } from '../catalog/contract';
import { ORDERS_TASK_QUEUE } from '../orders/contract';

export const CARTS_TASK_QUEUE = ORDERS_TASK_QUEUE;
export const CART_WORKFLOW_TYPE = 'cart';

export const cartWorkflowId = (userId: string): string => `cart-${userId}`;

/** At most this many distinct products in a cart, and units of one product (as an order allows). */
export const CART_LIMITS = { maxLines: 50, maxUnitsPerLine: 100 } as const;

/** A cart line: what the customer asked for. Names and prices come from the catalog when read. */
export type CartLine = OrderLine;

/** The durable state of a cart: carried through continue-as-new. */
export interface CartState {
  /** Names this cart across continue-as-new (the reminder's dedup key): a new one after expiry. */
  cartKey: string;
  /** Lines in the order they were first added. */
  lines: CartLine[];
  /** Bumped on every change of the lines: a reminder is sent once per version. */
  version: number;
  /** Workflow time of the last change of the lines (ISO), null while never changed. */
  updatedAt: string | null;
  /** Workflow time of the last message (change, checkout attempt): the idle timers run from it. */
  touchedAt: string;
  /** The version the abandoned-cart reminder was sent for, if any. */
  remindedVersion: number | null;
  /** Recent accepted checkouts (bounded): a repeat answers from here, its lines are never removed twice. */
  checkouts: CompletedCheckout[];
  /**
   * The checkout under way, if any (absent in carts from before it existed): its order ID is
   * drawn here once, so every overlapping checkout of this cart, whichever gateway sends it,
   * either joins that one order or is refused (CHECKOUT_IN_PROGRESS). It clears when the order is
   * accepted (completeCheckout) or refused (releaseCheckout), or once its deadline has passed and
   * the cart has looked the order up (settled).
   */
  pending?: PendingCheckout | null;
}

export interface PendingCheckout {
  orderId: string;
  idempotencyKey: string | null;
  /** Hash of what the customer asked besides the lines (payment method, shipping address). */
  requestHash: string;
  lines: CartLine[];
  /** When the checkout began (workflow time, ISO); absent in checkouts from before it was recorded. */
  since?: string;
  /**
   * The checkout's deadline (workflow time, ISO): its order must be started by then (the
   * gateway's placeBy). The cart looks the order up and settles the checkout once it has passed,
   * plus settleMarginMs.
   */
  settleAt: string;
  /**
   * The clock-skew margin past settleAt before the cart settles (CHECKOUT_SETTLE_MARGIN_MS unless
   * the settings say otherwise). Absent in checkouts from before the fence: settled at settleAt,
   * no placeBy handed out.
   */
  settleMarginMs?: number;
  /**
   * Names this checkout among every checkout with the same order ID (a key's order ID is the same
   * for each checkout of the cart with that key): drawn by the cart when it began, handed to the
   * gateway (CheckoutStart.checkoutToken) and carried by the order it places (its run's memo), so
   * a late release or completion from an earlier checkout of the key, or an older order of the
   * key, never settles this one. Absent in checkouts from before it existed (matched on the order ID).
   */
  token?: string;
}

export interface CompletedCheckout {
  orderId: string;
  /** The client's Idempotency-Key, when it sent one. */
  idempotencyKey: string | null;
  lines: CartLine[];
}

/** How many accepted checkouts a cart remembers (a retry comes within seconds, not weeks). */
export const CART_CHECKOUT_MEMORY = 20;

export interface CartSettings {
  /** A non-empty cart untouched this long gets its reminder (CART_REMINDER_AFTER_MS). */
  reminderAfterMs: number;
  /** A cart untouched this long ends (CART_EXPIRY_MS). */
  expiryMs: number;
  /** Continue-as-new once the history has this many events (CART_MAX_HISTORY_EVENTS). */
  maxHistoryEvents: number;
  /**
   * How long a pending checkout holds the cart before the cart looks its order up
   * (CART_CHECKOUT_PENDING_MS; absent in carts started before it existed: the default).
   */
  checkoutPendingMs?: number;
  /** The margin past a checkout's placeBy before the cart settles it (CART_CHECKOUT_SETTLE_MARGIN_MS; absent: the default). */
  checkoutSettleMarginMs?: number;
}

/** CART_CHECKOUT_PENDING_MS by default: far longer than any request (ROUTE_DEADLINE_MS ≤ 120 s). */
export const DEFAULT_CHECKOUT_PENDING_MS = 5 * 60_000;

/**
 * The fence of a pending checkout: its order must be started by placeBy (its settleAt), and
 * placeOrder refuses a run the Temporal server started later (CHECKOUT_EXPIRED). The cart's clock
 * (its workflow task times) and the clock that stamps the order run's start are those of two
 * history hosts, possibly different machines: the cart settles only this long past placeBy, so by
 * the time it finds no order, any start that could still land is one placeOrder refuses itself
 * and NONE is final. Far above the skew of NTP-synced hosts (milliseconds); only tests set less
 * (CART_CHECKOUT_SETTLE_MARGIN_MS).
 */
export const DEFAULT_CHECKOUT_SETTLE_MARGIN_MS = 30_000;

export interface CartInput {
  userId: string;
  settings: CartSettings;
  /** Set by continue-as-new: the cart so far. */
  state?: CartState;
}

/** How a cart run ended: expired (idle), with the lines it held. */
export interface CartResult {
  outcome: 'EXPIRED';
  lines: CartLine[];
}

/** A checkout under way, as the customer sees it (the cart's pending checkout). */
export interface CartCheckoutStatus {
  status: 'PENDING';
  /** The order this checkout places (GET /api/orders/:id answers 404 until it is accepted). */
  orderId: string;
  /** When it began (workflow time, ISO). */
  since: string;
}

/** What getCart and every cart update answer: the lines, unpriced (the gateway prices them). */
export interface CartSnapshot {
  lines: CartLine[];
  version: number;
  updatedAt: string | null;
  /** The checkout under way, or null; absent from cart workers from before it was shown. */
  checkout?: CartCheckoutStatus | null;
}

export interface SetCartItemRequest {
  productId: string;
  /** 0 removes the line. */
  quantity: number;
}

export interface CheckoutRequest {
  idempotencyKey?: string;
  /**
   * The order ID a keyed checkout stands for (derived by the gateway from the customer and the
   * key, in a scope of its own); without a key the cart draws one. Absent from gateways that
   * predate pending checkouts.
   */
  orderId?: string;
  /** Hash of the payment method and shipping address: only the same request joins a pending checkout. */
  requestHash?: string;
}

/** The lines to order, checked against the catalog; `replayOf` when the key was already used. */
export interface CheckoutStart {
  lines: CartLine[];
  /** Priced as the catalog has them now (absent for a replay or a joined checkout). */
  quote?: CartQuote;
  replayOf?: string;
  /** The order to place: the pending checkout's (absent only from carts that predate it). */
  orderId?: string;
  /** True when this request joined a checkout already under way. */
  joined?: boolean;
  /**
   * The pending checkout's deadline (ISO, its settleAt): the gateway passes it to placeOrder,
   * which refuses a run started later (CHECKOUT_EXPIRED). Absent for a replay and from carts
   * (or checkouts) from before the fence.
   */
  placeBy?: string;
  /**
   * The pending checkout's token (PendingCheckout.token): the gateway passes it to placeOrder (the
   * run's memo) and sends it with releaseCheckout and completeCheckout. Absent for a replay and
   * from carts (or checkouts) from before it existed.
   */
  checkoutToken?: string;
}

export interface ReleaseCheckoutRequest {
  /** The pending checkout whose order was refused (nothing placed): the cart is free again. */
  orderId: string;
  /** Its CheckoutStart.checkoutToken: a checkout that has a token is released only with it. */
  checkoutToken?: string;
}

/** What the cart learns of a pending checkout's order when it settles it. */
export type CheckoutOrderState = 'ACCEPTED' | 'PLACING' | 'NONE';

export interface CheckoutOrderStateInput {
  orderId: string;
  /** The checkout's customer and lines: an order under this ID for anything else is not this checkout's. */
  userId?: string;
  lines?: CartLine[];
  /** The checkout's token: an order whose run names another checkout (or is gone) is not this checkout's. */
  checkoutToken?: string;
}

export interface CompleteCheckoutRequest {
  orderId: string;
  idempotencyKey?: string;
  lines: CartLine[];
  /** Its CheckoutStart.checkoutToken: with one, only that pending checkout completes (else nothing changes). */
  checkoutToken?: string;
}

export const setCartItemUpdate = defineUpdate<CartSnapshot, [SetCartItemRequest]>('setCartItem');
export const clearCartUpdate = defineUpdate<CartSnapshot, []>('clearCart');
/** Checks the lines against the catalog and hands them to the gateway, which places the order. */
export const checkoutUpdate = defineUpdate<CheckoutStart, [CheckoutRequest]>('checkout');
/** The order was accepted: its lines leave the cart (once per order ID). */
export const completeCheckoutUpdate = defineUpdate<CartSnapshot, [CompleteCheckoutRequest]>('completeCheckout');
/** The pending checkout's order was refused: nothing was placed, the cart is free again. */
export const releaseCheckoutUpdate = defineUpdate<CartSnapshot, [ReleaseCheckoutRequest]>('releaseCheckout');
export const getCartQuery = defineQuery<CartSnapshot>('getCart');

/** One completion per checkout: per order ID, and per token where the checkout has one (a key's checkouts share the order ID). */
export const completeCheckoutUpdateId = (orderId: string, checkoutToken?: string): string =>
  checkoutToken === undefined ? `complete-${orderId}` : `complete-${orderId}-${checkoutToken}`;

/** Carts-internal failure types, mapped to HTTP by api/carts. */
export const CartFailureType = {
  CartEmpty: 'CartEmpty',
  CartLineLimit: 'CartLineLimit',
  /** Checkout could not quote the catalog within its deadline: nothing ordered, safe to repeat. */
  CatalogUnavailable: 'CartCatalogUnavailable',
  /** Another checkout of this cart (another key, or another address) is under way. */
  CheckoutInProgress: 'CartCheckoutInProgress',
} as const;

// ---- The catalog quote (an activity on the catalog queue) ----

export interface CartQuoteInput {
  productIds: string[];
}

/** A product as the cart sees it; absent from the quote when gone (unknown or deleted). */
export interface QuotedProduct {
  productId: string;
  name: string;
  priceCents: number;
  currency: string;
  stock: number;
}

export interface CartQuote {
  products: QuotedProduct[];
}

// ---- The cart view (the gateway's answer) ----

export interface CartItemView {
  productId: string;
  name: string;
  unitPriceCents: number;
  quantity: number;
  lineTotalCents: number;
  /** False when the product is gone or has less stock than asked. */
  available: boolean;
}

export interface CartView {
  items: CartItemView[];
  totalCents: number;
  currency: string;
  updatedAt: string | null;
  /** The checkout under way (its lines are still in the cart until its order is accepted), or null. */
  checkout: CartCheckoutStatus | null;
}

/** Input of startCartReminder (a local activity of the orders pool). */
export interface CartReminderInput {
  userId: string;
  contentKey: string;
  lines: number;
  units: number;
}
