// Checkout under overlap and crashes, on the real stack: one cart is never ordered twice
// (overlapping checkouts join the one pending or get 409 CHECKOUT_IN_PROGRESS, across gateway
// instances), a checkout's key never meets a POST /api/orders key, a gateway that dies between
// the order and the cart's completion converges (a keyed or same-body retry answers the order and
// empties the cart; with no retry, the cart settles the pending checkout after its deadline),
// and shipping-address text is one plain line.
import { randomUUID } from 'node:crypto';
import { checkoutRequest } from '../../api/carts/carts.commands';
import { orderCommands } from '../../api/orders/orders.commands';
import { ProblemError } from '../../api/problem';
import { OrderEntity, ProductEntity } from '../../db/entities';
import {
  type CheckoutStart,
  cartWorkflowId,
  checkoutUpdate,
  releaseCheckoutUpdate,
} from '../../workflows/carts/contract';
import { expectSchema } from '../support/openapi-schema';
import { SHIPPING_ADDRESS as ADDRESS, createProduct, eventually, stockOf } from '../support/orders-fixtures';
import { type HttpResponse, type Stack, startStack } from '../support/stack';

let stack: Stack;
/** A second gateway (no workers of its own) on the same Temporal, database and workers. */
let other: Stack;
/** A gateway whose carts settle a pending checkout after 3 s (+ a 1 s margin for clock skew). */
let short: Stack;
/** A gateway whose carts also expire after 2 s idle (and so forget their checkouts). */
let forgetful: Stack;
const SETTLING = { CART_CHECKOUT_PENDING_MS: '3000', CART_CHECKOUT_SETTLE_MARGIN_MS: '1000' };
beforeAll(async () => {
  stack = await startStack();
  other = await startStack({ domains: [] });
  short = await startStack({ domains: [], env: SETTLING });
  forgetful = await startStack({ domains: [], env: { ...SETTLING, CART_EXPIRY_MS: '2000' } });
});
afterAll(async () => {
  await forgetful?.stop();
  await short?.stop();
  await other?.stop();
  await stack?.stop();
});

const ELSEWHERE = { ...ADDRESS, line1: '1 Elsewhere Road', city: 'Leeds' };

const setItem = (s: Stack, token: string, productId: string, quantity: number) =>
  s.request('PUT', `/api/cart/items/${productId}`, { token, body: { quantity } });
const getCart = (s: Stack, token: string) => s.request('GET', '/api/cart', { token });
const checkout = (s: Stack, token: string, opts: { key?: string; address?: object } = {}) =>
  s.request('POST', '/api/cart/checkout', {
    token,
    body: { shippingAddress: opts.address ?? ADDRESS },
    headers: opts.key ? { 'Idempotency-Key': opts.key } : {},
  });
const ordersOf = (userId: string) => stack.workerDeps.dataSource.getRepository(OrderEntity).findBy({ userId });

const expectProblem = (res: HttpResponse, status: number, code: string) => {
  expect([res.status, res.body?.code]).toEqual([status, code]);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expectSchema('Problem', res.body);
};

/**
 * A gateway that has had the cart's answer to `checkout` and stalls (or dies) before it places
 * the order: the same update the gateway sends, sent straight to the cart.
 */
async function stalledCheckout(userId: string, opts: { key?: string } = {}): Promise<CheckoutStart> {
  const request = checkoutRequest({
    userId,
    paymentMethod: 'pm_card_visa',
    shippingAddress: ADDRESS,
    ...(opts.key ? { idempotencyKey: opts.key } : {}),
  });
  return stack.api.temporal.workflow
    .getHandle(cartWorkflowId(userId))
    .executeUpdate(checkoutUpdate, { args: [request] });
}

/** A checkout through `s` whose gateway dies right after the order is accepted: its completeCheckout is lost. */
async function checkoutLosingCompletion(s: Stack, token: string, opts: { key?: string } = {}): Promise<HttpResponse> {
  const restore = loseNext(s, 'completeCheckout');
  try {
    return await checkout(s, token, opts);
  } finally {
    restore();
  }
}

/** The gateway of `s` dies just before it sends its next `update` to a cart. */
function loseNext(s: Stack, update: string): () => void {
  const client = s.api.temporal.workflow;
  const original = client.executeUpdateWithStart;
  let lost = false;
  client.executeUpdateWithStart = function (this: unknown, ...args: Parameters<typeof original>) {
    if (!lost && (args[0] as { name?: string }).name === update) {
      lost = true;
      return Promise.reject(new Error('test: the gateway died before the cart heard of the order'));
    }
    return original.apply(client, args);
  } as typeof original;
  return () => {
    client.executeUpdateWithStart = original;
  };
}

describe('the cart view of a pending checkout', () => {
  it('GET /api/cart and every cart answer show it ({status: PENDING, orderId, since}) until it ends, then null', async () => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 10, priceCents: 100 });
    const put = await setItem(stack, c.token, a.id, 2);
    expect(put.body.checkout).toBeNull();
    expect((await getCart(stack, c.token)).body.checkout).toBeNull();

    const before = Date.now();
    const start = await stalledCheckout(c.id, { key: 'shown' });
    const pending = await getCart(stack, c.token);
    expect(pending.status).toBe(200);
    expectSchema('Cart', pending.body);
    expect(pending.body.checkout).toEqual({ status: 'PENDING', orderId: start.orderId, since: expect.any(String) });
    // Workflow time, within the test's window (a small allowance for clocks read on two sides).
    const since = Date.parse(pending.body.checkout.since);
    expect(since).toBeGreaterThanOrEqual(before - 1000);
    expect(since).toBeLessThanOrEqual(Date.now() + 1000);
    // The lines stay in the cart while the checkout is pending; other answers show it too.
    expect(pending.body.items.map((i: { quantity: number }) => i.quantity)).toEqual([2]);
    expect((await setItem(stack, c.token, a.id, 3)).body.checkout).toEqual(pending.body.checkout);
    expect((await getCart(other, c.token)).body.checkout).toEqual(pending.body.checkout);

    // Its repeat places the order: the checkout is over, the ordered units have left the cart.
    const done = await checkout(stack, c.token, { key: 'shown' });
    expect([done.status, done.body.id]).toEqual([201, start.orderId]);
    const after = await getCart(stack, c.token);
    expect(after.body.checkout).toBeNull();
    expect(after.body.items.map((i: { quantity: number }) => i.quantity)).toEqual([1]);
  });

  it('shows the order ID of an accepted order whose gateway died before the cart heard of it', async () => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 10, priceCents: 100 });
    await setItem(stack, c.token, a.id, 1);
    const first = await checkoutLosingCompletion(stack, c.token);
    expect(first.status).toBe(201);
    const cart = await getCart(stack, c.token);
    expect(cart.body.checkout).toEqual({ status: 'PENDING', orderId: first.body.id, since: expect.any(String) });
    const order = await stack.request('GET', `/api/orders/${cart.body.checkout.orderId}`, { token: c.token });
    expect(order.status).toBe(200);
  });

  it('is null again once a refused checkout frees the cart (out of stock)', async () => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 1, priceCents: 100 });
    await setItem(stack, c.token, a.id, 1);
    await stack.workerDeps.dataSource.getRepository(ProductEntity).update({ id: a.id }, { stock: 0 });
    expectProblem(await checkout(stack, c.token), 409, 'OUT_OF_STOCK');
    expect((await getCart(stack, c.token)).body.checkout).toBeNull();
  });
});

describe('overlapping checkouts of one cart', () => {
  it('while one is pending, another with a different key or address gets 409 CHECKOUT_IN_PROGRESS, not a second order', async () => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 10, priceCents: 100 });
    await setItem(stack, c.token, a.id, 2);
    await stalledCheckout(c.id, { key: 'first' });

    expectProblem(await checkout(stack, c.token, { key: 'second' }), 409, 'CHECKOUT_IN_PROGRESS');
    expectProblem(await checkout(other, c.token), 409, 'CHECKOUT_IN_PROGRESS');
    expect(await ordersOf(c.id)).toEqual([]);
    expect(await stockOf(stack, a.id)).toBe(10);

    // The pending one itself goes through: one order, the cart empty.
    const first = await checkout(other, c.token, { key: 'first' });
    expect(first.status).toBe(201);
    expect((await ordersOf(c.id)).map((o) => o.id)).toEqual([first.body.id]);
    expect((await getCart(stack, c.token)).body.items).toEqual([]);
  });

  it('race from two gateways: one order; a same-body repeat joins it, a different address gets 409', async () => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 50, priceCents: 100 });
    await setItem(stack, c.token, a.id, 3);
    const raced = await Promise.all([
      checkout(stack, c.token),
      checkout(other, c.token),
      checkout(stack, c.token, { address: ELSEWHERE }),
      checkout(other, c.token, { key: randomUUID() }),
    ]);
    const orders = await ordersOf(c.id);
    expect(orders).toHaveLength(1);
    expect(await stockOf(stack, a.id)).toBe(47);
    for (const res of raced) {
      if (res.status === 201) expect(res.body.id).toBe(orders[0].id);
      else
        expect([res.status, res.body.code]).toEqual([
          409,
          expect.stringMatching(/^(CHECKOUT_IN_PROGRESS|CART_EMPTY)$/),
        ]);
    }
    // The winner's address is the order's; every loser that asked for another one was refused.
    const winner = raced.find((r) => r.status === 201)!;
    expect(
      raced.filter((r) => r.status === 201 && r.body.shippingAddress.city !== winner.body.shippingAddress.city),
    ).toEqual([]);
    expect((await getCart(stack, c.token)).body.items).toEqual([]);
  }, 60_000);

  it('a different address against a pending checkout without a key is 409, its own body joins it', async () => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 10, priceCents: 100 });
    await setItem(stack, c.token, a.id, 1);
    const first = await checkoutLosingCompletion(stack, c.token);
    expect(first.status).toBe(201);
    const loser = await checkout(other, c.token, { address: ELSEWHERE });
    expectProblem(loser, 409, 'CHECKOUT_IN_PROGRESS');
    expect(loser.body.detail).toMatch(/checkout .*in progress/i);
    const joined = await checkout(other, c.token);
    expect([joined.status, joined.body.id, joined.body.shippingAddress.city]).toEqual([201, first.body.id, 'London']);
    expect((await ordersOf(c.id)).map((o) => o.id)).toEqual([first.body.id]);
    expect((await getCart(stack, c.token)).body.items).toEqual([]);
  });
});

describe('a pending checkout whose order is refused', () => {
  it('frees the cart: out of stock at the reservation is 409 with the line, and the next checkout is not held up', async () => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 5, priceCents: 100, name: 'Last ones' });
    await setItem(stack, c.token, a.id, 2);
    // The cart has checked the lines (stock 5) when the stock goes, before the order reserves it.
    await stalledCheckout(c.id, { key: 'sold-out' });
    await stack.workerDeps.dataSource.getRepository(ProductEntity).update({ id: a.id }, { stock: 1 });
    const refused = await checkout(other, c.token, { key: 'sold-out' });
    expectProblem(refused, 409, 'OUT_OF_STOCK');
    expect(await ordersOf(c.id)).toEqual([]);
    // Not held by the refused one: the cart's own check answers now, then an order goes through.
    expectProblem(await checkout(stack, c.token, { key: 'next' }), 409, 'OUT_OF_STOCK');
    await setItem(stack, c.token, a.id, 1);
    const ok = await checkout(stack, c.token, { key: 'after' });
    expect(ok.status).toBe(201);
    expect((await getCart(stack, c.token)).body.items).toEqual([]);
  });
});

describe('a key reused after the cart forgot it (expired)', () => {
  const reuse = async (opts: { loseRelease: boolean }) => {
    const c = await forgetful.customer();
    const a = await createProduct(stack, { stock: 20, priceCents: 100 });
    await setItem(forgetful, c.token, a.id, 1);
    const first = await checkout(forgetful, c.token, { key: 'K' });
    expect(first.status).toBe(201);
    await eventually(
      async () =>
        (await stack.api.temporal.workflow.getHandle(cartWorkflowId(c.id)).describe()).status.name === 'COMPLETED',
      20_000,
      'cart expiry',
    );
    await setItem(forgetful, c.token, a.id, 2);
    const restore = opts.loseRelease ? loseNext(forgetful, 'releaseCheckout') : () => undefined;
    try {
      expectProblem(await checkout(forgetful, c.token, { key: 'K' }), 422, 'IDEMPOTENCY_KEY_REUSED');
    } finally {
      restore();
    }
    return { c, a, first };
  };

  it('answers 422 and frees the cart at once: the next key orders the lines', async () => {
    const { c, first } = await reuse({ loseRelease: false });
    const next = await checkout(forgetful, c.token, { key: 'K2' });
    expect([next.status, next.body.items?.[0]?.quantity]).toEqual([201, 2]);
    expect((await ordersOf(c.id)).map((o) => o.id).sort()).toEqual([first.body.id, next.body.id].sort());
  });

  it('with the release lost too, the cart settles it as no order of its own and keeps the lines', async () => {
    const { c, a } = await reuse({ loseRelease: true });
    expectProblem(await checkout(forgetful, c.token, { key: 'K2' }), 409, 'CHECKOUT_IN_PROGRESS');
    const next = await eventually(
      async () => {
        const res = await checkout(forgetful, c.token, { key: 'K2' });
        return res.status === 201 ? res : undefined;
      },
      20_000,
      'the cart frees itself, lines kept',
    );
    expect(next.body.items.map((i: { productId: string; quantity: number }) => [i.productId, i.quantity])).toEqual([
      [a.id, 2],
    ]);
  }, 60_000);
});

describe('a checkout key and a POST /api/orders key', () => {
  it('never answer each other, even when the order key is literally cart:<checkout key>', async () => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 10, priceCents: 100 });
    const key = randomUUID();
    const body = { items: [{ productId: a.id, quantity: 1 }], shippingAddress: ADDRESS };

    await setItem(stack, c.token, a.id, 1);
    const viaCart = await checkout(stack, c.token, { key });
    expect(viaCart.status).toBe(201);
    const viaOrders = await stack.request('POST', '/api/orders', {
      token: c.token,
      body,
      headers: { 'Idempotency-Key': `cart:${key}` },
    });
    expect([viaOrders.status, viaOrders.headers.get('idempotent-replayed')]).toEqual([201, 'false']);
    expect(viaOrders.body.id).not.toBe(viaCart.body.id);

    // The other way round: an order placed first under cart:K2 is not the answer to checkout K2.
    const key2 = randomUUID();
    const placed = await stack.request('POST', '/api/orders', {
      token: c.token,
      body,
      headers: { 'Idempotency-Key': `cart:${key2}` },
    });
    expect(placed.status).toBe(201);
    await setItem(stack, c.token, a.id, 1);
    const checkedOut = await checkout(stack, c.token, { key: key2 });
    expect([checkedOut.status, checkedOut.headers.get('idempotent-replayed')]).toEqual([201, 'false']);
    expect(checkedOut.body.id).not.toBe(placed.body.id);
    expect(await ordersOf(c.id)).toHaveLength(4);
  });
});

describe('a gateway that dies between the accepted order and the cart', () => {
  it('a retry with the same key answers that order and empties the cart (even with the stock all taken)', async () => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 2, priceCents: 100 });
    await setItem(stack, c.token, a.id, 2);
    const key = randomUUID();
    const first = await checkoutLosingCompletion(stack, c.token, { key });
    expect(first.status).toBe(201);
    const retry = await checkout(other, c.token, { key });
    expect([retry.status, retry.body.id, retry.headers.get('idempotent-replayed')]).toEqual([
      201,
      first.body.id,
      'true',
    ]);
    expect((await getCart(stack, c.token)).body.items).toEqual([]);
    expect((await ordersOf(c.id)).map((o) => o.id)).toEqual([first.body.id]);
    expect(await stockOf(stack, a.id)).toBe(0);
  });

  it('a retry without a key (same body) answers that order: no second charge', async () => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 20, priceCents: 100 });
    await setItem(stack, c.token, a.id, 2);
    const first = await checkoutLosingCompletion(stack, c.token);
    expect(first.status).toBe(201);
    const retry = await checkout(other, c.token);
    expect([retry.status, retry.body.id]).toEqual([201, first.body.id]);
    expect((await ordersOf(c.id)).map((o) => o.id)).toEqual([first.body.id]);
    expect(await stockOf(stack, a.id)).toBe(18);
    expect((await getCart(stack, c.token)).body.items).toEqual([]);
  });

  it('with no retry at all, the cart finds the order after the pending deadline and lets its lines go', async () => {
    const c = await short.customer();
    const a = await createProduct(stack, { stock: 20, priceCents: 100 });
    const b = await createProduct(stack, { stock: 20, priceCents: 100 });
    await setItem(short, c.token, a.id, 2);
    const first = await checkoutLosingCompletion(short, c.token);
    expect(first.status).toBe(201);
    // Added after the order: it stays.
    await setItem(short, c.token, b.id, 1);
    await eventually(
      async () => (await getCart(short, c.token)).body.items.length === 1,
      20_000,
      'the cart settles the pending checkout',
    );
    expect((await getCart(short, c.token)).body.items.map((i: { productId: string }) => i.productId)).toEqual([b.id]);
    // And the cart is free again: the next checkout is a new order.
    const next = await checkout(short, c.token);
    expect(next.status).toBe(201);
    expect(next.body.id).not.toBe(first.body.id);
    expect(await ordersOf(c.id)).toHaveLength(2);
  }, 60_000);

  it('a stalled checkout that never placed its order stops holding the cart after the deadline', async () => {
    const c = await short.customer();
    const a = await createProduct(stack, { stock: 20, priceCents: 100 });
    await setItem(short, c.token, a.id, 1);
    await stalledCheckout(c.id, { key: 'crashed' });
    expectProblem(await checkout(short, c.token, { key: 'later' }), 409, 'CHECKOUT_IN_PROGRESS');
    await new Promise((r) => setTimeout(r, 3500));
    const later = await eventually(
      async () => {
        const res = await checkout(short, c.token, { key: 'later' });
        return res.status === 201 ? res : undefined;
      },
      20_000,
      'the cart frees itself',
    );
    expect((await ordersOf(c.id)).map((o) => o.id)).toEqual([later.body.id]);
    expect((await getCart(short, c.token)).body.items).toEqual([]);
  }, 60_000);
});

describe('a gateway that places its order after the cart settled the checkout', () => {
  it('is refused by the order itself (409 CHECKOUT_EXPIRED, nothing reserved): one order from one cart', async () => {
    const c = await short.customer();
    const a = await createProduct(stack, { stock: 20, priceCents: 100 });
    await setItem(short, c.token, a.id, 2);
    // The stalled gateway has the cart's answer (order ID, placeBy) and stops there.
    const start = await stalledCheckout(c.id, { key: 'stalled' });
    expect(start.placeBy).toEqual(expect.any(String));
    // A repeat of it (joined) is handed the same deadline.
    const joined = await stalledCheckout(c.id, { key: 'stalled' });
    expect([joined.joined, joined.orderId, joined.placeBy]).toEqual([true, start.orderId, start.placeBy]);
    expectProblem(await checkout(short, c.token), 409, 'CHECKOUT_IN_PROGRESS');
    // Past the deadline and its margin the cart finds no order and is free: the customer checks out again.
    const again = await eventually(
      async () => {
        const res = await checkout(short, c.token);
        return res.status === 201 ? res : undefined;
      },
      20_000,
      'the cart settles the stalled checkout',
    );
    expect(again.body.id).not.toBe(start.orderId);
    expect(await stockOf(stack, a.id)).toBe(18);

    // Only now does the stalled gateway's placeOrder start land, with the first answer.
    const late = {
      userId: c.id,
      requestId: randomUUID(),
      request: { items: start.lines, paymentMethod: 'pm_card_visa', shippingAddress: ADDRESS },
      orderId: start.orderId,
      placeBy: start.placeBy,
    };
    const placed = await orderCommands(short.api)
      .place(late)
      .then(
        (ok) => ('order' in ok ? `201 ${ok.order.id}` : '202'),
        (err: unknown) => (err instanceof ProblemError ? `${err.status} ${err.code}` : String(err)),
      );
    const ofCart = (await ordersOf(c.id)).map((o) => o.id);
    expect({ placed, ordersOfTheCart: ofCart.length, stock: await stockOf(stack, a.id) }).toEqual({
      placed: '409 CHECKOUT_EXPIRED',
      ordersOfTheCart: 1,
      stock: 18,
    });
    expect(ofCart).toEqual([again.body.id]);
    // The refused gateway frees the cart as for any 4xx: a no-op, the cart has let that checkout go.
    await stack.api.temporal.workflow
      .getHandle(cartWorkflowId(c.id))
      .executeUpdate(releaseCheckoutUpdate, { args: [{ orderId: start.orderId! }] });
    // The cart stays free: the next checkout is not held by the refused one.
    await setItem(short, c.token, a.id, 1);
    const next = await checkout(short, c.token);
    expect(next.status).toBe(201);
  }, 60_000);
});

describe('shipping-address text', () => {
  it.each([
    ['a line break', { line1: '12 St James Square\nCall 0800 to confirm' }],
    ['a carriage return', { city: 'Lon\rdon' }],
    ['a bidi override', { name: 'Ada \u202eecalevoL' }],
    ['a zero-width space', { postalCode: 'SW1Y\u200b4JH' }],
  ])('refuses %s at checkout and on POST /api/orders (400)', async (_label, field) => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 10, priceCents: 100 });
    await setItem(stack, c.token, a.id, 1);
    const shippingAddress = { ...ADDRESS, ...field };
    const res = await checkout(stack, c.token, { address: shippingAddress });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(JSON.stringify(res.body)).toContain('without control or invisible formatting characters');
    expectProblem(
      await stack.request('POST', '/api/orders', {
        token: c.token,
        body: { items: [{ productId: a.id, quantity: 1 }], shippingAddress },
      }),
      400,
      'VALIDATION_FAILED',
    );
    expect(await ordersOf(c.id)).toEqual([]);
    expect((await getCart(stack, c.token)).body.items).toHaveLength(1);
  });
});
