// The gateway's side of the cart-<userId> workflow: every change is an update sent with
// update-with-start (the first one creates the cart), a read is the getCart query (no cart
// workflow is started for it). Checkout is three steps: the cart checks its lines against the
// catalog and holds them as its one pending checkout, with the order ID drawn there (checkout
// update: the cart is the one place where overlapping checkouts, from any gateway, meet), the
// order is placed by the orders domain's own command under that ID (the same placeOrder start,
// limits and guarantees as POST /api/orders), and only once it is accepted do its lines leave
// the cart (completeCheckout, once per order ID). A refusal frees the cart (releaseCheckout); a
// gateway that dies in between leaves the checkout pending: a repeat joins it, and past its
// deadline the cart looks the order up itself.
import { WithStartWorkflowOperation, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { OrderView, ShippingAddress } from '../../workflows/orders/contract';
import {
  CART_WORKFLOW_TYPE,
  CARTS_TASK_QUEUE,
  CartFailureType,
  type CartInput,
  type CartSnapshot,
  type CartView,
  type CheckoutRequest,
  type CheckoutStart,
  cartWorkflowId,
  checkoutUpdate,
  clearCartUpdate,
  completeCheckoutUpdate,
  completeCheckoutUpdateId,
  getCartQuery,
  releaseCheckoutUpdate,
  setCartItemUpdate,
} from '../../workflows/carts/contract';
import { priceCart } from '../../workflows/carts/cart-view';
import type { cart } from '../../workflows/carts/cart.workflow';
import { CartItemCountSearchAttribute, CustomerIdSearchAttribute } from '../../workflows/orders/contract';
import { FailureType, applicationFailureOf } from '../../workflows/shared/failures';
import type { ApiDeps } from '../context';
import { checkoutOrderIdFor, checkoutRequestHash } from '../orders/idempotency';
import { orderCommands } from '../orders/orders.commands';
import { ProblemError, problemForFailure } from '../problem';
import { type Accepted, stillProcessing, withinRouteDeadline } from '../shared/route-deadline';
import { quoteProducts } from './carts.queries';

const EMPTY: CartSnapshot = { lines: [], version: 0, updatedAt: null, checkout: null };

/** Cart failures → problem+json; the shared table (OutOfStock, ValidationFailed) does the rest. */
function cartProblem(err: unknown): unknown {
  const failure = applicationFailureOf(err);
  if (failure?.type === CartFailureType.CartEmpty)
    return new ProblemError(409, 'CART_EMPTY', 'Cart is empty', 'Add products to the cart before checking out');
  if (failure?.type === CartFailureType.CheckoutInProgress)
    return new ProblemError(409, 'CHECKOUT_IN_PROGRESS', 'Checkout in progress', failure.message);
  if (failure?.type === CartFailureType.CartLineLimit)
    return new ProblemError(409, 'CART_LINE_LIMIT', 'Cart is full', failure.message);
  if (failure?.type === CartFailureType.CatalogUnavailable)
    return new ProblemError(
      503,
      'SERVICE_UNAVAILABLE',
      'Service unavailable',
      failure.message,
      {},
      { 'Retry-After': '5' },
    );
  return err;
}

/** A run that closed (expired, continued as new) between our call and its delivery: a retry reaches the next one. */
const isRunGone = (err: unknown): boolean =>
  err instanceof WorkflowNotFoundError || /already completed|workflow.*(closed|completed)/i.test(String(err));

export type CheckoutOutcome = { order: OrderView; replayed: boolean } | { accepted: Accepted };

/** The checkout update a gateway sends for a request (exported for tests that play a stalled gateway). */
export function checkoutRequest(cmd: {
  userId: string;
  paymentMethod: string;
  shippingAddress: ShippingAddress;
  idempotencyKey?: string;
}): CheckoutRequest {
  const requestHash = checkoutRequestHash({ paymentMethod: cmd.paymentMethod, shippingAddress: cmd.shippingAddress });
  if (cmd.idempotencyKey === undefined) return { requestHash };
  return {
    idempotencyKey: cmd.idempotencyKey,
    orderId: checkoutOrderIdFor(cmd.userId, cmd.idempotencyKey),
    requestHash,
  };
}

/**
 * A refusal that is the final answer for the pending checkout's order with nothing placed for it
 * (out of stock at the reservation, an unknown product, a run an operator closed, CHECKOUT_EXPIRED:
 * its start came after placeBy, and the cart has let it go or is about to, or
 * IDEMPOTENCY_KEY_REUSED: the key's order ID holds an older order of other lines, a
 * key reused after the cart forgot it; every request that joins a pending checkout is the same
 * request, so it can never be placed): the cart is free again. Not the open-order limit: it is
 * counted at the moment of each request, so another request of the same checkout (its opener, a
 * joined repeat) may pass it and place this very order. A 5xx or a timeout may still end in an
 * order too. Then the checkout stays pending: a repeat joins it, the deadline settles it.
 */
const releasesCheckout = (err: unknown): boolean =>
  err instanceof ProblemError && err.status < 500 && err.code !== 'OPEN_ORDER_LIMIT';

export function cartCommands(deps: ApiDeps) {
  const orders = orderCommands(deps);
  const handle = (userId: string): WorkflowHandle<typeof cart> =>
    deps.temporal.workflow.getHandle<typeof cart>(cartWorkflowId(userId));

  const input = (userId: string): CartInput => ({
    userId,
    settings: {
      reminderAfterMs: deps.config.CART_REMINDER_AFTER_MS,
      expiryMs: deps.config.CART_EXPIRY_MS,
      maxHistoryEvents: deps.config.CART_MAX_HISTORY_EVENTS,
      checkoutPendingMs: deps.config.CART_CHECKOUT_PENDING_MS,
      checkoutSettleMarginMs: deps.config.CART_CHECKOUT_SETTLE_MARGIN_MS,
    },
  });

  /** One update of the user's cart, creating the cart when there is none (or it has expired). */
  async function send<Ret, Args extends unknown[]>(
    userId: string,
    update: UpdateDefinition<Ret, Args>,
    args: Args,
    updateId?: string,
  ): Promise<Ret> {
    for (let attempt = 1; ; attempt++) {
      try {
        const sent = await withinRouteDeadline(deps, () =>
          deps.temporal.workflow.executeUpdateWithStart(update, {
            args,
            ...(updateId ? { updateId } : {}),
            // One operation per call: the SDK refuses to reuse one.
            startWorkflowOperation: new WithStartWorkflowOperation<typeof cart>(CART_WORKFLOW_TYPE, {
              workflowId: cartWorkflowId(userId),
              taskQueue: CARTS_TASK_QUEUE,
              args: [input(userId)],
              workflowIdConflictPolicy: 'USE_EXISTING',
              typedSearchAttributes: [
                { key: CustomerIdSearchAttribute, value: userId },
                { key: CartItemCountSearchAttribute, value: 0 },
              ],
              staticSummary: `Cart of customer ${userId}`,
            }),
          }),
        );
        if (!sent.inTime) throw stillProcessing('The cart did not answer in time; repeat the request');
        return sent.value;
      } catch (err) {
        if (attempt < 3 && isRunGone(err)) continue;
        throw cartProblem(err);
      }
    }
  }

  /** The lines, priced as the catalog has them now. */
  async function view(snapshot: CartSnapshot): Promise<CartView> {
    // A line the replica does not know (a product just created) is not shown as gone.
    const quote = await quoteProducts(
      deps.dataSource,
      snapshot.lines.map((l) => l.productId),
      { primaryOnMiss: true },
    );
    return priceCart(snapshot, quote, deps.config.CURRENCY);
  }

  return {
    view,

    /** The cart's lines; an empty cart when the customer has none (nothing is started for a read). */
    async read(userId: string): Promise<CartSnapshot> {
      try {
        const read = await withinRouteDeadline(deps, () => handle(userId).query(getCartQuery));
        if (!read.inTime) throw stillProcessing('The cart did not answer in time; repeat the request');
        return read.value;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return EMPTY;
        throw err;
      }
    },

    /** Sets a line (0 removes it). A product that is not in the catalog cannot be added. */
    async setItem(userId: string, productId: string, quantity: number): Promise<CartSnapshot> {
      if (quantity > 0) {
        const { products } = await quoteProducts(deps.dataSource, [productId], { primaryOnMiss: true });
        if (!products.length)
          throw problemForFailure(FailureType.UnknownProduct, `Unknown product: ${productId}`, {
            productIds: [productId],
          });
      }
      return send(userId, setCartItemUpdate, [{ productId, quantity }]);
    },

    clear: (userId: string): Promise<CartSnapshot> => send(userId, clearCartUpdate, []),

    /**
     * Places an order for the cart's lines. The cart is unchanged unless the order is accepted;
     * a line out of stock (at the cart's check or at the reservation) is 409 with the lines.
     */
    async checkout(cmd: {
      userId: string;
      requestId: string;
      paymentMethod: string;
      shippingAddress: ShippingAddress;
      idempotencyKey?: string;
    }): Promise<CheckoutOutcome> {
      const { userId, idempotencyKey } = cmd;
      const start: CheckoutStart = await send(userId, checkoutUpdate, [checkoutRequest(cmd)]);
      // The cart's order ID (a cart worker from before pending checkouts names none: the key's).
      const orderId = start.orderId ?? (idempotencyKey ? checkoutOrderIdFor(userId, idempotencyKey) : undefined);
      // This checkout among every checkout of the same order ID (absent from carts from before).
      const token = start.checkoutToken;
      const release = (id: string) =>
        send(userId, releaseCheckoutUpdate, [{ orderId: id, ...(token ? { checkoutToken: token } : {}) }]).catch(
          (releaseErr: unknown) =>
            // Still pending: past its deadline the cart finds no order (of this checkout) and frees itself.
            deps.log.warn({ err: releaseErr, orderId: id }, 'a refused checkout could not free the cart'),
        );
      let outcome: CheckoutOutcome;
      try {
        outcome = await orders.place({
          userId,
          requestId: cmd.requestId,
          request: { items: start.lines, paymentMethod: cmd.paymentMethod, shippingAddress: cmd.shippingAddress },
          ...(orderId ? { orderId } : {}),
          // The fence: a placeOrder start that lands after it is refused (409 CHECKOUT_EXPIRED).
          ...(start.placeBy ? { placeBy: start.placeBy } : {}),
          ...(token ? { checkoutToken: token } : {}),
        });
      } catch (err) {
        if (orderId && !start.replayOf && releasesCheckout(err)) await release(orderId);
        throw outOfStockLines(err, start);
      }
      if ('accepted' in outcome) return outcome; // not accepted yet: the lines stay in the cart
      // A replayed order may be older than this checkout (the key's order, from before the cart
      // forgot it or expired): it took none of the lines the cart holds now, so it frees the cart
      // and leaves them. Only an order placed for this checkout (its run names the token) completes
      // it; when that cannot be told, the checkout stays pending and the cart settles it.
      if (outcome.replayed && orderId && !start.replayOf && token) {
        const placed = await orders.placedFor(outcome.order.id, token);
        if (placed === 'no') await release(orderId);
        if (placed !== 'yes') return outcome;
      }
      try {
        await send(
          userId,
          completeCheckoutUpdate,
          [
            {
              orderId: outcome.order.id,
              lines: start.lines,
              ...(idempotencyKey ? { idempotencyKey } : {}),
              ...(token ? { checkoutToken: token } : {}),
            },
          ],
          completeCheckoutUpdateId(outcome.order.id, token),
        );
      } catch (err) {
        // The order stands; the checkout stays pending until a repeat completes it, or the cart
        // settles it past its deadline.
        deps.log.warn({ err, orderId: outcome.order.id }, 'order placed from the cart, but the cart was not emptied');
      }
      return outcome;
    },
  };
}

/** An OutOfStock from the reservation (stock sold between the check and the order): name the lines. */
function outOfStockLines(err: unknown, start: CheckoutStart): unknown {
  if (!(err instanceof ProblemError) || err.code !== 'OUT_OF_STOCK' || !start.quote) return err;
  const productId = (err.extra.details as { productId?: string } | undefined)?.productId;
  const items = priceCart({ lines: start.lines, updatedAt: null }, start.quote, '').items;
  const lines = items
    .filter((i) => productId === undefined || i.productId === productId)
    .map((i) => ({ ...i, available: false }));
  return new ProblemError(err.status, err.code, err.title, err.message, { details: { lines } });
}
