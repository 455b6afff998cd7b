// Races an outside review found on the real stack (each failed before its fix): a joined
// checkout's refusal, a checkout still quoting past its deadline, address text blank to the eye.
import { randomUUID } from 'node:crypto';
import { checkoutRequest } from '../../api/carts/carts.commands';
import { orderCommands } from '../../api/orders/orders.commands';
import { OrderEntity } from '../../db/entities';
import { cartWorkflowId, checkoutUpdate } from '../../workflows/carts/contract';
import { SHIPPING_ADDRESS as ADDRESS, createProduct, oneOf, placeOrder } from '../support/orders-fixtures';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { MAX_OPEN_ORDERS_PER_CUSTOMER: '2' } });
});
afterAll(async () => {
  await stack?.stop();
});

// A provider outage: the order stays PENDING (open, counted by the open-order limit).
const NEVER_PAYS = 'pm_card_unavailable';

const checkout = (token: string, key: string) =>
  stack.request('POST', '/api/cart/checkout', {
    token,
    body: { paymentMethod: 'pm_card_visa', shippingAddress: ADDRESS },
    headers: { 'Idempotency-Key': key },
  });

it('a joined checkout refused by OPEN_ORDER_LIMIT does not free the cart while its opener still places the order: one order from one cart', async () => {
  const c = await stack.customer();
  const a = await createProduct(stack, { stock: 20, priceCents: 100 });
  const b = await createProduct(stack, { stock: 20, priceCents: 100 });
  expect(
    (await stack.request('PUT', `/api/cart/items/${a.id}`, { token: c.token, body: { quantity: 2 } })).status,
  ).toBe(200);

  // Gateway A: has the cart's answer (the pending checkout, its order ID) and stalls before placing.
  const request = checkoutRequest({
    userId: c.id,
    paymentMethod: 'pm_card_visa',
    shippingAddress: ADDRESS,
    idempotencyKey: 'k1',
  });
  const start = await stack.api.temporal.workflow
    .getHandle(cartWorkflowId(c.id))
    .executeUpdate(checkoutUpdate, { args: [request] });
  expect(start.orderId).toBeDefined();

  // Meanwhile the customer holds two unpaid orders from elsewhere (the limit is 2).
  const y1 = await placeOrder(stack, c.token, oneOf(b.id, 1, NEVER_PAYS));
  const y2 = await placeOrder(stack, c.token, oneOf(b.id, 1, NEVER_PAYS));
  expect([y1.status, y2.status]).toEqual([201, 201]);

  // The client's retry of the same checkout joins the pending one and is refused by the limit...
  const joined = await checkout(c.token, 'k1');
  expect([joined.status, joined.body.code]).toEqual([409, 'OPEN_ORDER_LIMIT']);
  // ...and that refusal (not final for the pending order) must not free the cart.
  for (const y of [y1, y2])
    expect((await stack.request('PUT', `/api/orders/${y.body.id}/cancel`, { token: c.token })).status).toBe(200);
  const second = await checkout(c.token, 'k2');

  // Gateway A resumes and places the pending checkout's order.
  const resumed = await orderCommands(stack.api)
    .place({
      userId: c.id,
      requestId: randomUUID(),
      request: { items: start.lines, paymentMethod: 'pm_card_visa', shippingAddress: ADDRESS },
      orderId: start.orderId,
    })
    .then(
      () => 'placed',
      (err: unknown) => `refused: ${String(err)}`,
    );

  const ofCart = (
    await stack.workerDeps.dataSource.getRepository(OrderEntity).find({
      where: { userId: c.id },
      relations: { items: true },
    })
  ).filter((o) => o.items.some((i) => i.productId === a.id));
  // One cart, its lines once: either the second checkout was refused (409 CHECKOUT_IN_PROGRESS)
  // or gateway A's order never landed.
  expect({ second: second.status, resumed, ordersOfTheCart: ofCart.length }).toEqual(
    expect.objectContaining({ ordersOfTheCart: 1 }),
  );
});

it('refuses a shipping-address field made only of invisible characters (U+200D, U+3164, U+2800)', async () => {
  const p = await createProduct(stack, { stock: 10, priceCents: 100 });
  const answers: Record<string, number> = {};
  for (const name of ['\u200d', '\u3164', '\u2800', '\u200c\u200d']) {
    const c = await stack.customer(); // one each: the open-order limit of this stack is 2
    const res = await stack.request('POST', '/api/orders', {
      token: c.token,
      body: { ...oneOf(p.id, 1), shippingAddress: { ...ADDRESS, name } },
      headers: { 'Idempotency-Key': randomUUID() },
    });
    answers[[...name].map((ch) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase()}`).join(' ')] = res.status;
  }
  // Blank to the eye: refused like an empty name (400 VALIDATION_FAILED), never placed.
  expect(answers).toEqual({ 'U+200D': 400, 'U+3164': 400, 'U+2800': 400, 'U+200C U+200D': 400 });
});

// Last in this file: it stops the shared stack's workers (this test needs the catalog pool away).
it('a checkout still quoting the catalog past CART_CHECKOUT_PENDING_MS (3 s) is not settled as never placed: one order from one cart', async () => {
  await stack.stopWorkers();
  const shop = await startStack({
    domains: ['users', 'orders', 'notifications'],
    env: { CART_CHECKOUT_PENDING_MS: '3000' },
  });
  let catalog: Stack | undefined;
  try {
    const c = await shop.customer();
    const a = await createProduct(shop, { stock: 20, priceCents: 100 });
    expect(
      (await shop.request('PUT', `/api/cart/items/${a.id}`, { token: c.token, body: { quantity: 2 } })).status,
    ).toBe(200);
    const checkoutOn = (key: string) =>
      shop.request('POST', '/api/cart/checkout', {
        token: c.token,
        body: { paymentMethod: 'pm_card_visa', shippingAddress: ADDRESS },
        headers: { 'Idempotency-Key': key },
      });

    // The catalog is slow (its pool away for 5 s, within the quote's 20 s bound and the route deadline).
    const first = checkoutOn('slow-1');
    await new Promise((r) => setTimeout(r, 4500));
    const second = checkoutOn('slow-2');
    await new Promise((r) => setTimeout(r, 500));
    catalog = await startStack({ domains: ['catalog'] });
    const answers = await Promise.all([first, second]);

    const ofCart = (
      await shop.workerDeps.dataSource.getRepository(OrderEntity).find({
        where: { userId: c.id },
        relations: { items: true },
      })
    ).filter((o) => o.items.some((i) => i.productId === a.id));
    expect({ answers: answers.map((r) => r.status), ordersOfTheCart: ofCart.length }).toEqual(
      expect.objectContaining({ ordersOfTheCart: 1 }),
    );
  } finally {
    await catalog?.stop();
    await shop.stop();
  }
}, 60_000);
