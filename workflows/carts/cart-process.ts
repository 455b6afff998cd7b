// One customer's cart as an entity workflow: the state, the message handlers that change it,
// and the loop that acts on time (the abandoned-cart reminder, idle expiry) and keeps the
// history bounded (continue-as-new, carrying the state). Validators refuse bad input before it
// reaches history; handlers change state synchronously (one workflow task each), so concurrent
// updates from two clients are applied one after the other and none is lost.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  patched,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { CartCheckoutActivities } from '../../activities/carts/cart-checkout.activities';
import type { CartQuoteActivities } from '../../activities/carts/cart-quote.activities';
import type { CartReminderActivities } from '../../activities/carts/cart-reminder.activities';
import { CATALOG_TASK_QUEUE } from '../catalog/contract';
import { CartItemCountSearchAttribute, CustomerIdSearchAttribute } from '../orders/contract';
import { FailureType } from '../shared/failures';
import { priceCart, sameLines, withQuantity, withoutOrdered } from './cart-view';
import {
  CART_CHECKOUT_MEMORY,
  CART_LIMITS,
  CartFailureType,
  type CartInput,
  type CartLine,
  type CartQuote,
  type CartResult,
  type CartSnapshot,
  type CartState,
  type CheckoutRequest,
  type CheckoutStart,
  type CompleteCheckoutRequest,
  DEFAULT_CHECKOUT_PENDING_MS,
  DEFAULT_CHECKOUT_SETTLE_MARGIN_MS,
  type PendingCheckout,
  type SetCartItemRequest,
  checkoutUpdate,
  clearCartUpdate,
  completeCheckoutUpdate,
  getCartQuery,
  releaseCheckoutUpdate,
  setCartItemUpdate,
} from './contract';

/** Checkout waits on this while the customer waits for the HTTP answer: bounded like order intake. */
const catalog = proxyActivities<CartQuoteActivities>({
  taskQueue: CATALOG_TASK_QUEUE,
  startToCloseTimeout: '5s',
  scheduleToCloseTimeout: '20s',
  retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '2s' },
});

/** The reminder hand-off and a pending checkout's order look-up: retried through an outage. */
const local = proxyLocalActivities<CartReminderActivities & CartCheckoutActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '1m' },
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const invalid = (message: string) =>
  ApplicationFailure.create({ type: FailureType.ValidationFailed, message, nonRetryable: true });

export class CartProcess {
  private state: CartState;
  /** The catalog quote of the pending checkout, while this run has it (joined checkouts share it). */
  private quoted?: { orderId: string; quote: Promise<CartQuote> };
  /** The pending checkout whose catalog quote is in flight: no gateway holds its order ID yet. */
  private quoting?: string;

  constructor(private readonly input: CartInput) {
    const now = new Date().toISOString();
    this.state = input.state ?? {
      cartKey: uuid4(),
      lines: [],
      version: 0,
      updatedAt: null,
      touchedAt: now,
      remindedVersion: null,
      checkouts: [],
    };
  }

  setup(): void {
    setHandler(getCartQuery, () => this.snapshot());

    setHandler(
      setCartItemUpdate,
      (request) => {
        const productId = request.productId.toLowerCase();
        this.change(withQuantity(this.state.lines, productId, request.quantity));
        return this.snapshot();
      },
      { validator: (request) => this.validateSetItem(request) },
    );

    setHandler(clearCartUpdate, () => {
      this.change([]);
      return this.snapshot();
    });

    setHandler(checkoutUpdate, async (request) => await this.checkout(request), {
      validator: (request) => this.validateCheckout(request),
    });

    setHandler(
      completeCheckoutUpdate,
      (request) => {
        this.touch();
        // A completion naming another checkout (an earlier one of the same key and order ID) or one
        // already settled: this cart's lines are not its to take.
        if (request.checkoutToken !== undefined && this.state.pending?.token !== request.checkoutToken)
          return this.snapshot();
        this.completed(request.orderId, request.idempotencyKey ?? null, request.lines);
        return this.snapshot();
      },
      { validator: (request) => validateComplete(request) },
    );

    setHandler(
      releaseCheckoutUpdate,
      (request) => {
        this.touch();
        // Only the checkout that was refused: a newer one with the same order ID (the same key) has
        // another token, and stays pending. Checkouts from before tokens match on the order ID.
        const pending = this.state.pending;
        if (pending?.orderId === request.orderId && pending.token === request.checkoutToken) this.state.pending = null;
        return this.snapshot();
      },
      {
        validator: (request) => {
          if (
            typeof request?.orderId !== 'string' ||
            !(request.checkoutToken === undefined || typeof request.checkoutToken === 'string')
          )
            throw invalid('releaseCheckout expects {orderId, checkoutToken?}');
        },
      },
    );
  }

  /** Reminder, expiry and continue-as-new; returns only when the cart has expired. */
  async run(): Promise<CartResult> {
    const { settings } = this.input;
    this.publish();
    for (;;) {
      const touchedAt = this.state.touchedAt;
      const idleFor = Date.now() - Date.parse(touchedAt);
      const pending = this.state.pending;
      // A cart with a checkout under way neither reminds nor expires: it settles the checkout first.
      const reminderDue = !pending && this.state.lines.length > 0 && this.state.remindedVersion !== this.state.version;
      // At least 1 ms: a timer of 0 would be no timeout at all.
      // While its quote is in flight a checkout is not settled: the deadline starts once a gateway has the order ID.
      const quoting = !!pending && this.quoting === pending.orderId;
      const wait = Math.max(
        1,
        Math.min(
          pending ? (quoting ? this.pendingMs() : settlesAt(pending) - Date.now()) : settings.expiryMs - idleFor,
          reminderDue ? settings.reminderAfterMs - idleFor : Infinity,
        ),
      );
      const woken = await condition(() => this.state.touchedAt !== touchedAt || this.historyFull(), wait);

      if (this.historyFull()) {
        // Let in-flight updates answer first: an update still running would be lost with this run.
        await condition(allHandlersFinished);
        log.info('cart history bounded: continuing as new', { historyLength: workflowInfo().historyLength });
        await continueAsNew<(input: CartInput) => Promise<CartResult>>({ ...this.input, state: this.state });
      }
      if (woken) continue;

      if (pending) {
        if (!quoting && Date.now() >= settlesAt(pending)) await this.settle(pending);
        continue;
      }
      const idle = Date.now() - Date.parse(this.state.touchedAt);
      if (idle >= settings.expiryMs) {
        if (!allHandlersFinished()) continue;
        const lines = this.state.lines;
        // A query on the closed run must not show the expired lines as a live cart.
        this.state = { ...this.state, lines: [] };
        log.info('cart expired', { lines: lines.length });
        return { outcome: 'EXPIRED', lines };
      }
      if (reminderDue && idle >= settings.reminderAfterMs) await this.remind();
    }
  }

  private async checkout(request: CheckoutRequest): Promise<CheckoutStart> {
    this.touch();
    const earlier = this.checkoutByKey(request.idempotencyKey);
    if (earlier) return { lines: earlier.lines, replayOf: earlier.orderId, orderId: earlier.orderId };
    const lines = this.state.lines;
    // A gateway from before pending checkouts (no requestHash): checked and handed over as then.
    if (request.requestHash === undefined) return { lines, quote: await this.quote(lines) };

    const pending = this.state.pending;
    if (pending) {
      // The validator let only the same request through: it gets the same order to place.
      const quote = this.quoted?.orderId === pending.orderId ? await this.quoted.quote : undefined;
      // Read after the quote: the opener's deadline is reset once its quote is done.
      const now = this.state.pending?.orderId === pending.orderId ? this.state.pending : pending;
      return {
        lines: pending.lines,
        orderId: pending.orderId,
        joined: true,
        ...(quote ? { quote } : {}),
        ...placeByOf(now),
        ...tokenOf(pending),
      };
    }
    // Drawn once, here: every overlapping checkout of this cart is this order or is refused.
    const orderId = request.orderId ?? uuid4();
    const pendingMs = this.pendingMs();
    // Histories from before the fence: settled at settleAt itself, and no placeBy handed out.
    const fence = patched('cart-checkout-fence');
    // Histories from before: no token, so a release or completion matches on the order ID alone.
    const token = patched('cart-checkout-token') ? uuid4() : undefined;
    this.state.pending = {
      orderId,
      idempotencyKey: request.idempotencyKey ?? null,
      requestHash: request.requestHash,
      lines,
      since: new Date().toISOString(),
      settleAt: new Date(Date.now() + pendingMs).toISOString(),
      ...(fence
        ? { settleMarginMs: this.input.settings.checkoutSettleMarginMs ?? DEFAULT_CHECKOUT_SETTLE_MARGIN_MS }
        : {}),
      ...(token !== undefined ? { token } : {}),
    };
    const quote = this.quote(lines);
    this.quoted = { orderId, quote };
    // Histories from before: the deadline counted from the request, and a slow quote could settle
    // the checkout as never placed just before its gateway placed it (two orders from one cart).
    const fromQuote = patched('cart-settle-after-quote');
    if (fromQuote) this.quoting = orderId;
    try {
      const priced = await quote;
      if (fromQuote && this.state.pending?.orderId === orderId) {
        this.state.pending = { ...this.state.pending, settleAt: new Date(Date.now() + pendingMs).toISOString() };
      }
      const now = this.state.pending?.orderId === orderId ? this.state.pending : undefined;
      return {
        lines,
        quote: priced,
        orderId,
        ...(now ? placeByOf(now) : {}),
        ...(token ? { checkoutToken: token } : {}),
      };
    } catch (err) {
      // Refused before any order: nothing is pending any more.
      if (this.state.pending?.orderId === orderId) this.state.pending = null;
      throw err;
    } finally {
      if (fromQuote && this.quoting === orderId) {
        this.quoting = undefined;
        this.touch(); // wakes the main loop to arm the deadline
      }
    }
  }

  /** The lines priced and checked on the catalog as it is now (the primary); throws when one is not available. */
  private async quote(lines: CartLine[]): Promise<CartQuote> {
    const quote = await catalog.quoteCart({ productIds: lines.map((l) => l.productId) }).catch((err) => {
      log.warn('checkout could not quote the catalog', { error: String(err) });
      throw ApplicationFailure.create({
        type: CartFailureType.CatalogUnavailable,
        message: 'The catalog could not check the cart in time; nothing was ordered. Try again.',
        nonRetryable: true,
      });
    });
    const view = priceCart({ lines, updatedAt: this.state.updatedAt }, quote, '');
    const unavailable = view.items.filter((i) => !i.available);
    if (unavailable.length) {
      throw ApplicationFailure.create({
        type: FailureType.OutOfStock,
        message: `Not available in the quantity asked: ${unavailable.map((i) => i.productId).join(', ')}`,
        nonRetryable: true,
        details: [{ lines: unavailable }],
      });
    }
    return quote;
  }

  /**
   * A pending checkout past its deadline (its gateway died, or never placed the order): the
   * order decides. Accepted → its lines leave the cart as completeCheckout would have done;
   * never placed, or refused → the cart is free again; still being placed → ask again later.
   */
  private async settle(pending: PendingCheckout): Promise<void> {
    const state = await local.checkoutOrderState({
      orderId: pending.orderId,
      userId: this.input.userId,
      lines: pending.lines,
      ...(pending.token !== undefined ? { checkoutToken: pending.token } : {}),
    });
    if (this.state.pending?.orderId !== pending.orderId) return; // completed or released meanwhile
    log.info('pending checkout settled', { orderId: pending.orderId, state });
    if (state === 'ACCEPTED') this.completed(pending.orderId, pending.idempotencyKey, pending.lines);
    else if (state === 'NONE') this.state.pending = null;
    else {
      const pendingMs = this.pendingMs();
      this.state.pending = { ...pending, settleAt: new Date(Date.now() + pendingMs).toISOString() };
    }
  }

  /** An order was accepted: its lines leave the cart (once per order ID), and it is no longer pending. */
  private completed(orderId: string, idempotencyKey: string | null, lines: CartLine[]): void {
    if (this.state.pending?.orderId === orderId) this.state.pending = null;
    if (this.state.checkouts.some((c) => c.orderId === orderId)) return;
    this.state.checkouts = [...this.state.checkouts, { orderId, idempotencyKey, lines }].slice(-CART_CHECKOUT_MEMORY);
    this.change(withoutOrdered(this.state.lines, lines));
  }

  private async remind(): Promise<void> {
    const { lines, version, cartKey } = this.state;
    await local.startCartReminder({
      userId: this.input.userId,
      contentKey: `${cartKey}-${version}`,
      lines: lines.length,
      units: lines.reduce((sum, l) => sum + l.quantity, 0),
    });
    // A change while the hand-off ran is a new content: it gets its own reminder.
    if (this.state.version === version) this.state.remindedVersion = version;
  }

  private validateSetItem(request: SetCartItemRequest | undefined): void {
    if (
      !request ||
      typeof request.productId !== 'string' ||
      !UUID.test(request.productId.toLowerCase()) ||
      !Number.isSafeInteger(request.quantity) ||
      request.quantity < 0 ||
      request.quantity > CART_LIMITS.maxUnitsPerLine
    )
      throw invalid(`setCartItem expects {productId: UUID, quantity: 0..${CART_LIMITS.maxUnitsPerLine}}`);
    const productId = request.productId.toLowerCase();
    const isNew = !this.state.lines.some((l) => l.productId === productId);
    if (isNew && request.quantity > 0 && this.state.lines.length >= CART_LIMITS.maxLines)
      throw ApplicationFailure.create({
        type: CartFailureType.CartLineLimit,
        message: `A cart holds at most ${CART_LIMITS.maxLines} different products`,
        nonRetryable: true,
      });
  }

  /**
   * Refuses before history: an empty cart, a malformed request, and any checkout while another
   * is pending unless it is the same one (same key or both without, same payment and address).
   */
  private validateCheckout(request: CheckoutRequest | undefined): void {
    const optional = (v: unknown) => v === undefined || typeof v === 'string';
    if (
      !request ||
      !optional(request.idempotencyKey) ||
      !optional(request.requestHash) ||
      !(request.orderId === undefined || (typeof request.orderId === 'string' && UUID.test(request.orderId)))
    )
      throw invalid('checkout expects {idempotencyKey?: string, orderId?: UUID, requestHash?: string}');
    if (this.checkoutByKey(request.idempotencyKey)) return;
    const pending = this.state.pending;
    if (pending && request.requestHash !== undefined) {
      const key = request.idempotencyKey ?? null;
      if (pending.idempotencyKey === key && pending.requestHash === request.requestHash) return;
      if (key !== null && pending.idempotencyKey === key)
        throw ApplicationFailure.create({
          type: FailureType.IdempotencyKeyReused,
          message: 'This Idempotency-Key was already used with a different request',
          nonRetryable: true,
        });
      throw ApplicationFailure.create({
        type: CartFailureType.CheckoutInProgress,
        message:
          'Another checkout of this cart is in progress (another Idempotency-Key, or another payment method or shipping address); repeat that request for its order, or try again once it is done',
        nonRetryable: true,
      });
    }
    if (!this.state.lines.length)
      throw ApplicationFailure.create({
        type: CartFailureType.CartEmpty,
        message: 'The cart is empty',
        nonRetryable: true,
      });
  }

  private checkoutByKey(key: string | undefined) {
    return key === undefined ? undefined : this.state.checkouts.find((c) => c.idempotencyKey === key);
  }

  /** Any message counts as activity: the idle timers start again. */
  /** How long a pending checkout holds the cart before the cart looks its order up. */
  private pendingMs(): number {
    return this.input.settings.checkoutPendingMs ?? DEFAULT_CHECKOUT_PENDING_MS;
  }

  private touch(): void {
    this.state.touchedAt = new Date().toISOString();
  }

  private change(lines: CartLine[]): void {
    this.touch();
    if (sameLines(lines, this.state.lines)) return;
    this.state.lines = lines;
    this.state.version += 1;
    this.state.updatedAt = this.state.touchedAt;
    this.publish();
  }

  private snapshot(): CartSnapshot {
    const pending = this.state.pending;
    return {
      lines: this.state.lines,
      version: this.state.version,
      updatedAt: this.state.updatedAt,
      checkout: pending
        ? {
            status: 'PENDING',
            orderId: pending.orderId,
            // A checkout from before `since` was recorded: its deadline less the pending time (near enough).
            since: pending.since ?? new Date(Date.parse(pending.settleAt) - this.pendingMs()).toISOString(),
          }
        : null,
    };
  }

  private historyFull(): boolean {
    const info = workflowInfo();
    return info.historyLength >= this.input.settings.maxHistoryEvents || info.continueAsNewSuggested;
  }

  /** Operators find carts by customer and size (no personal data in search attributes). */
  private publish(): void {
    upsertSearchAttributes([
      { key: CustomerIdSearchAttribute, value: this.input.userId },
      { key: CartItemCountSearchAttribute, value: this.state.lines.length },
    ]);
  }
}

/** When the cart settles a pending checkout: its deadline, plus the fence's margin when it has one. */
function settlesAt(pending: PendingCheckout): number {
  return Date.parse(pending.settleAt) + (pending.settleMarginMs ?? 0);
}

/** The deadline handed to the gateway for placeOrder: only a fenced checkout's (one settled past its margin). */
function placeByOf(pending: PendingCheckout): { placeBy?: string } {
  return pending.settleMarginMs === undefined ? {} : { placeBy: pending.settleAt };
}

/** The token handed to the gateway: only a checkout that has one. */
function tokenOf(pending: PendingCheckout): { checkoutToken?: string } {
  return pending.token === undefined ? {} : { checkoutToken: pending.token };
}

function validateComplete(request: CompleteCheckoutRequest | undefined): void {
  if (
    !request ||
    typeof request.orderId !== 'string' ||
    !(request.checkoutToken === undefined || typeof request.checkoutToken === 'string') ||
    !Array.isArray(request.lines) ||
    request.lines.some((l) => typeof l?.productId !== 'string' || !Number.isSafeInteger(l.quantity) || l.quantity < 1)
  )
    throw invalid(
      'completeCheckout expects {orderId, lines: [{productId, quantity ≥ 1}], idempotencyKey?, checkoutToken?}',
    );
}
