// The cart end to end on the real stack (Temporal dev server, MariaDB, Redis, SMTP): the
// cart-<userId> workflow through /api/cart, checkout through the placeOrder path, the reminder,
// expiry and continue-as-new (on a second gateway whose cart settings are short).
import { randomUUID } from 'node:crypto';
import { OrderEntity } from '../../db/entities';
import { cartWorkflowId, getCartQuery } from '../../workflows/carts/contract';
import { CartItemCountSearchAttribute, CustomerIdSearchAttribute } from '../../workflows/orders/contract';
import { expectSchema } from '../support/openapi-schema';
import { createProduct, eventually, reservationsOf, stockOf, waitForStatus } from '../support/orders-fixtures';
import { type HttpResponse, type Stack, startStack } from '../support/stack';

let stack: Stack;
/** A gateway (no workers of its own) whose carts remind after 1.5 s, expire after 6 s, continue as new every 20 events. */
let fast: Stack;
beforeAll(async () => {
  stack = await startStack();
  fast = await startStack({
    domains: [],
    env: { CART_REMINDER_AFTER_MS: '1500', CART_EXPIRY_MS: '6000', CART_MAX_HISTORY_EVENTS: '20' },
  });
});
afterAll(async () => {
  await fast?.stop();
  await stack?.stop();
});

type Cart = {
  items: {
    productId: string;
    name: string;
    unitPriceCents: number;
    quantity: number;
    lineTotalCents: number;
    available: boolean;
  }[];
  totalCents: number;
  currency: string;
  updatedAt: string | null;
  checkout: { status: 'PENDING'; orderId: string; since: string } | null;
};

const getCart = (s: Stack, token: string) => s.request<Cart>('GET', '/api/cart', { token });
const setItem = (s: Stack, token: string, productId: string, quantity: number) =>
  s.request<Cart>('PUT', `/api/cart/items/${productId}`, { token, body: { quantity } });
const ADDRESS = {
  name: 'Ada Lovelace',
  line1: '12 St James Square',
  city: 'London',
  postalCode: 'SW1Y 4JH',
  country: 'gb',
};
const checkout = (s: Stack, token: string, opts: { key?: string; body?: Record<string, unknown> } = {}) =>
  s.request('POST', '/api/cart/checkout', {
    token,
    body: { shippingAddress: ADDRESS, ...opts.body },
    headers: opts.key ? { 'Idempotency-Key': opts.key } : {},
  });

const expectProblem = (res: HttpResponse, status: number, code: string) => {
  expect([res.status, res.body?.code]).toEqual([status, code]);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expectSchema('Problem', res.body);
};

const ordersOf = (s: Stack, userId: string) => s.workerDeps.dataSource.getRepository(OrderEntity).findBy({ userId });

/** Every payload of a history (inputs, results, update arguments), decoded to text. */
function payloadText(node: unknown): string {
  if (!node || typeof node !== 'object') return '';
  if (node instanceof Uint8Array) return Buffer.from(node).toString('utf8');
  return Object.values(node as Record<string, unknown>)
    .map(payloadText)
    .join(' ');
}

const cartHandle = (userId: string) => stack.api.temporal.workflow.getHandle(cartWorkflowId(userId));

describe('the cart', () => {
  it('is empty before first use (no workflow is started for a read)', async () => {
    const c = await stack.customer();
    const res = await getCart(stack, c.token);
    expect(res.status).toBe(200);
    expectSchema('Cart', res.body);
    expect(res.body).toEqual({ items: [], totalCents: 0, currency: 'USD', updatedAt: null, checkout: null });
    await expect(cartHandle(c.id).describe()).rejects.toThrow();
  });

  it('adds, changes, removes and reads lines, priced from the catalog as it is now', async () => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 10, priceCents: 500, name: 'Mug' });
    const b = await createProduct(stack, { stock: 10, priceCents: 250, name: 'Spoon' });

    let res = await setItem(stack, c.token, a.id, 2);
    expect(res.status).toBe(200);
    expectSchema('Cart', res.body);
    expect(res.body.items).toEqual([
      { productId: a.id, name: 'Mug', unitPriceCents: 500, quantity: 2, lineTotalCents: 1000, available: true },
    ]);
    res = await setItem(stack, c.token, b.id.toUpperCase(), 3);
    expect(res.body.items.map((i) => [i.productId, i.quantity])).toEqual([
      [a.id, 2],
      [b.id, 3],
    ]);
    expect(res.body.totalCents).toBe(1000 + 750);
    res = await setItem(stack, c.token, a.id, 1);
    expect(res.body.items.map((i) => [i.productId, i.quantity])).toEqual([
      [a.id, 1],
      [b.id, 3],
    ]);

    // An admin changes a price: the next read shows it.
    const admin = await stack.adminToken();
    const put = await stack.request('PUT', `/api/products/${a.id}`, { token: admin, body: { priceCents: 700 } });
    expect(put.status).toBe(200);
    res = await getCart(stack, c.token);
    expect(res.body.items[0]).toMatchObject({ productId: a.id, unitPriceCents: 700, lineTotalCents: 700 });
    expect(res.body.totalCents).toBe(700 + 750);
    expect(Date.parse(res.body.updatedAt!)).not.toBeNaN();

    // More than the stock: kept, but shown unavailable (and not counted in the total).
    res = await setItem(stack, c.token, b.id, 11);
    expect(res.body.items[1]).toMatchObject({ quantity: 11, available: false });
    expect(res.body.totalCents).toBe(700);

    res = await stack.request<Cart>('DELETE', `/api/cart/items/${a.id}`, { token: c.token });
    expect(res.status).toBe(200);
    expect(res.body.items.map((i) => i.productId)).toEqual([b.id]);
    res = await setItem(stack, c.token, b.id, 0);
    expect(res.body.items).toEqual([]);

    await setItem(stack, c.token, a.id, 1);
    res = await stack.request<Cart>('DELETE', '/api/cart', { token: c.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ items: [], totalCents: 0 });
    expect((await getCart(stack, c.token)).body.items).toEqual([]);

    // Operators find it by customer; CartItemCount follows the lines.
    await setItem(stack, c.token, a.id, 1);
    const sa = (await cartHandle(c.id).describe()).typedSearchAttributes;
    expect(sa.get(CustomerIdSearchAttribute)).toBe(c.id);
    expect(sa.get(CartItemCountSearchAttribute)).toBe(1);
  });

  it('shows a product deleted from the catalog as unavailable', async () => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 5, priceCents: 100 });
    await setItem(stack, c.token, a.id, 1);
    const admin = await stack.adminToken();
    expect((await stack.request('DELETE', `/api/products/${a.id}`, { token: admin })).status).toBe(204);
    const res = await getCart(stack, c.token);
    expect(res.body.items).toEqual([
      { productId: a.id, name: '', unitPriceCents: 0, quantity: 1, lineTotalCents: 0, available: false },
    ]);
  });

  it('refuses bad input before it reaches the workflow, and enforces the limits', async () => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 500 });
    expectProblem(await setItem(stack, c.token, a.id, 101), 400, 'VALIDATION_FAILED');
    expectProblem(await setItem(stack, c.token, a.id, -1), 400, 'VALIDATION_FAILED');
    expectProblem(
      await stack.request('PUT', `/api/cart/items/${a.id}`, { token: c.token, body: { quantity: 1.5 } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(await setItem(stack, c.token, 'not-a-uuid', 1), 400, 'VALIDATION_FAILED');
    expectProblem(await setItem(stack, c.token, randomUUID(), 1), 422, 'UNKNOWN_PRODUCT');

    const products = await Promise.all(Array.from({ length: 51 }, () => createProduct(stack, { stock: 5 })));
    for (const p of products.slice(0, 50)) expect((await setItem(stack, c.token, p.id, 1)).status).toBe(200);
    expectProblem(await setItem(stack, c.token, products[50].id, 1), 409, 'CART_LINE_LIMIT');
    // Changing a line already there is still allowed at the limit.
    expect((await setItem(stack, c.token, products[0].id, 100)).status).toBe(200);
    expect((await getCart(stack, c.token)).body.items).toHaveLength(50);
  }, 120_000);

  it('is the caller’s own: customers only, and another token never reaches it', async () => {
    const alice = await stack.customer('Alice');
    const bob = await stack.customer('Bob');
    const a = await createProduct(stack, { stock: 5 });
    await setItem(stack, alice.token, a.id, 2);
    expect((await getCart(stack, bob.token)).body.items).toEqual([]);
    expect((await stack.request('DELETE', '/api/cart', { token: bob.token })).status).toBe(200);
    expect((await getCart(stack, alice.token)).body.items).toHaveLength(1);

    expectProblem(await stack.request('GET', '/api/cart'), 401, 'UNAUTHORIZED');
    expectProblem(await stack.request('GET', '/api/cart', { token: 'x.y.z' }), 401, 'UNAUTHORIZED');
    const admin = await stack.adminToken();
    expectProblem(await getCart(stack, admin), 403, 'FORBIDDEN');
    expectProblem(await checkout(stack, admin), 403, 'FORBIDDEN');
  });

  it('serialises concurrent updates from two clients: no line is lost', async () => {
    const c = await stack.customer();
    const products = await Promise.all(Array.from({ length: 12 }, () => createProduct(stack, { stock: 5 })));
    const results = await Promise.all(products.map((p, i) => setItem(stack, c.token, p.id, (i % 3) + 1)));
    expect(results.map((r) => r.status)).toEqual(products.map(() => 200));
    const cart = await getCart(stack, c.token);
    expect(new Map(cart.body.items.map((i) => [i.productId, i.quantity]))).toEqual(
      new Map(products.map((p, i) => [p.id, (i % 3) + 1])),
    );
    expect(await cartHandle(c.id).query(getCartQuery)).toMatchObject({ version: 12 });
  }, 60_000);
});

describe('checkout', () => {
  it('places the order through placeOrder (201 + Location, then PAID) and empties the cart', async () => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 5, priceCents: 1200, name: 'Kettle' });
    const b = await createProduct(stack, { stock: 5, priceCents: 300, name: 'Filter' });
    await setItem(stack, c.token, a.id, 1);
    await setItem(stack, c.token, b.id, 2);

    const res = await checkout(stack, c.token);
    expect(res.status).toBe(201);
    expectSchema('Order', res.body);
    expect(res.headers.get('location')).toBe(`/api/orders/${res.body.id}`);
    expect(res.body).toMatchObject({ userId: c.id, status: 'PENDING', totalCents: 1200 + 600 });
    const shipTo = { ...ADDRESS, country: 'GB' };
    expect(res.body.shippingAddress).toEqual(shipTo);
    expect(
      res.body.items.map((i: { productId: string; quantity: number }) => [i.productId, i.quantity]).sort(),
    ).toEqual(
      [
        [a.id, 1],
        [b.id, 2],
      ].sort(),
    );
    expect(await stockOf(stack, a.id)).toBe(4);
    expect((await getCart(stack, c.token)).body.items).toEqual([]);
    expect((await cartHandle(c.id).describe()).typedSearchAttributes.get(CartItemCountSearchAttribute)).toBe(0);
    const paid = await waitForStatus(stack, c.token, res.body.id, 'PAID');
    expect(paid.shippingAddress).toEqual(shipTo);
    const listed = await stack.request('GET', '/api/orders', { token: c.token });
    expect(listed.body.items[0].shippingAddress).toEqual(shipTo);
    const mail = await stack.smtp.waitFor(
      (m) => m.to.includes(c.email) && m.header('Subject') === `Order ${res.body.id} confirmed`,
    );
    expect(mail.raw).toContain('It ships to:');
    expect(mail.raw).toContain('SW1Y 4JH London');
    // The address is personal data: it never enters a workflow's history.
    const history = payloadText(await stack.api.temporal.workflow.getHandle(`order-${res.body.id}`).fetchHistory());
    expect(history).toContain(res.body.id);
    expect(history).not.toContain('St James');

    // Nothing left to order.
    expectProblem(await checkout(stack, c.token), 409, 'CART_EMPTY');
  });

  it('with the same Idempotency-Key twice places one order', async () => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 5, priceCents: 100 });
    await setItem(stack, c.token, a.id, 2);
    const key = randomUUID();
    const [first, second] = [await checkout(stack, c.token, { key }), await checkout(stack, c.token, { key })];
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.id).toBe(first.body.id);
    expect([first.headers.get('idempotent-replayed'), second.headers.get('idempotent-replayed')]).toEqual([
      'false',
      'true',
    ]);
    // Concurrent repeats too.
    const again = await Promise.all([checkout(stack, c.token, { key }), checkout(stack, c.token, { key })]);
    expect(again.map((r) => [r.status, r.body.id])).toEqual([
      [201, first.body.id],
      [201, first.body.id],
    ]);
    expect((await ordersOf(stack, c.id)).map((o) => o.id)).toEqual([first.body.id]);
    expect(await stockOf(stack, a.id)).toBe(3);

    // A line added after the order stays, and is not removed by a repeat.
    await setItem(stack, c.token, a.id, 1);
    expect((await checkout(stack, c.token, { key })).body.id).toBe(first.body.id);
    expect((await getCart(stack, c.token)).body.items.map((i) => i.quantity)).toEqual([1]);
  });

  it('while a line is out of stock answers 409 with the lines, leaves the cart as it was and reserves nothing', async () => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 5, priceCents: 100, name: 'Plenty' });
    const b = await createProduct(stack, { stock: 1, priceCents: 100, name: 'Scarce' });
    await setItem(stack, c.token, a.id, 2);
    await setItem(stack, c.token, b.id, 3);
    const before = (await getCart(stack, c.token)).body;

    const res = await checkout(stack, c.token, { key: randomUUID() });
    expectProblem(res, 409, 'OUT_OF_STOCK');
    expect(res.body.details.lines).toEqual([
      { productId: b.id, name: 'Scarce', unitPriceCents: 100, quantity: 3, lineTotalCents: 300, available: false },
    ]);
    expect((await getCart(stack, c.token)).body).toEqual(before);
    expect([await stockOf(stack, a.id), await stockOf(stack, b.id)]).toEqual([5, 1]);
    expect(await ordersOf(stack, c.id)).toEqual([]);

    // Fixed by the customer: the order goes through.
    await setItem(stack, c.token, b.id, 1);
    const ok = await checkout(stack, c.token);
    expect(ok.status).toBe(201);
    expect(await reservationsOf(stack, ok.body.id)).toHaveLength(2);
    expect([await stockOf(stack, a.id), await stockOf(stack, b.id)]).toEqual([3, 0]);
  });

  it('validates the payment method and requires a shipping address', async () => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 5 });
    await setItem(stack, c.token, a.id, 1);
    expectProblem(await stack.request('POST', '/api/cart/checkout', { token: c.token }), 400, 'VALIDATION_FAILED');
    expectProblem(
      await checkout(stack, c.token, { body: { shippingAddress: { ...ADDRESS, country: 'GBR' } } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await checkout(stack, c.token, { body: { shippingAddress: { ...ADDRESS, line1: ' ' } } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(await checkout(stack, c.token, { body: { paymentMethod: 'cash' } }), 400, 'VALIDATION_FAILED');
    expectProblem(
      await stack.request('POST', '/api/cart/checkout', { token: c.token, headers: { 'Idempotency-Key': 'é' } }),
      400,
      'VALIDATION_FAILED',
    );
    const declined = await checkout(stack, c.token, { body: { paymentMethod: 'pm_card_chargeDeclined' } });
    expect(declined.status).toBe(201);
    await waitForStatus(stack, c.token, declined.body.id, 'FAILED');
  });
});

describe('over time (short cart settings)', () => {
  const reminders = (email: string) =>
    stack.smtp.to(email).filter((m) => m.header('Subject') === 'Your cart is waiting');

  it('reminds once per cart content, again after a change, never after checkout', async () => {
    const c = await fast.customer();
    const a = await createProduct(stack, { stock: 5 });
    await setItem(fast, c.token, a.id, 1);
    await eventually(async () => reminders(c.email).length === 1, 15_000, 'first reminder');
    // Untouched for longer: still one.
    await new Promise((r) => setTimeout(r, 2500));
    expect(reminders(c.email)).toHaveLength(1);
    // A change re-arms it.
    await setItem(fast, c.token, a.id, 2);
    await eventually(async () => reminders(c.email).length === 2, 15_000, 'second reminder');
    expect(reminders(c.email)[1].raw).toContain('2 item(s)');
    // Checked out: the cart is empty, nothing more is sent.
    await setItem(fast, c.token, a.id, 3);
    expect((await checkout(fast, c.token)).status).toBe(201);
    await new Promise((r) => setTimeout(r, 3000));
    expect(reminders(c.email)).toHaveLength(2);
  }, 60_000);

  it('continues as new with a low threshold and keeps the cart', async () => {
    const c = await fast.customer();
    const products = await Promise.all(Array.from({ length: 6 }, () => createProduct(stack, { stock: 50 })));
    for (const [i, p] of products.entries()) await setItem(fast, c.token, p.id, i + 1);
    // Concurrent ones too, while runs roll over.
    await Promise.all(products.map((p, i) => setItem(fast, c.token, p.id, i + 2)));
    const runs: string[] = [];
    for await (const wf of stack.api.temporal.workflow.list({ query: `WorkflowId = '${cartWorkflowId(c.id)}'` }))
      runs.push(wf.status.name);
    expect(runs.filter((s) => s === 'CONTINUED_AS_NEW').length).toBeGreaterThan(1);
    const cart = await getCart(fast, c.token);
    expect(cart.body.items.map((i) => [i.productId, i.quantity])).toEqual(products.map((p, i) => [p.id, i + 2]));
  }, 60_000);

  it('ends when idle for CART_EXPIRY_MS; the next change starts an empty cart', async () => {
    const c = await fast.customer();
    const a = await createProduct(stack, { stock: 5 });
    const b = await createProduct(stack, { stock: 5 });
    await setItem(fast, c.token, a.id, 1);
    const handle = cartHandle(c.id);
    await eventually(async () => (await handle.describe()).status.name === 'COMPLETED', 20_000, 'cart expiry');
    expect((await getCart(fast, c.token)).body.items).toEqual([]);
    const res = await setItem(fast, c.token, b.id, 1);
    expect(res.body.items.map((i) => i.productId)).toEqual([b.id]);
    expect((await handle.describe()).status.name).toBe('RUNNING');
  }, 60_000);
});

describe('the shipping address on POST /api/orders', () => {
  const place = (token: string, body: Record<string, unknown>, key?: string) =>
    stack.request('POST', '/api/orders', { token, body, headers: key ? { 'Idempotency-Key': key } : {} });

  it('is optional there, stored and shown when given, and part of a keyed request', async () => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 10, priceCents: 100 });
    const items = [{ productId: a.id, quantity: 1 }];

    const without = await place(c.token, { items });
    expect(without.status).toBe(201);
    expect(without.body).not.toHaveProperty('shippingAddress');

    const address = { ...ADDRESS, line2: 'Flat 2', region: 'Westminster', phone: '+44 20 7946 0000' };
    const key = randomUUID();
    const res = await place(c.token, { items, shippingAddress: address }, key);
    expect(res.status).toBe(201);
    expectSchema('Order', res.body);
    expect(res.body.shippingAddress).toEqual({ ...address, country: 'GB' });
    const got = await stack.request('GET', `/api/orders/${res.body.id}`, { token: c.token });
    expect(got.body.shippingAddress).toEqual({ ...address, country: 'GB' });
    // The same key: the same answer; another address under it is another request.
    const again = await place(c.token, { items, shippingAddress: address }, key);
    expect([again.status, again.body.id, again.headers.get('idempotent-replayed')]).toEqual([201, res.body.id, 'true']);
    expect(again.body).toEqual(res.body);
    expectProblem(
      await place(c.token, { items, shippingAddress: { ...address, city: 'Paris' } }, key),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );
    expect(
      (await stack.request('GET', `/api/orders/${res.body.id}`, { token: c.token })).body.shippingAddress.city,
    ).toBe('London');
    expectProblem(
      await place(c.token, { items, shippingAddress: { ...address, phone: 'call me' } }),
      400,
      'VALIDATION_FAILED',
    );
  });
});
