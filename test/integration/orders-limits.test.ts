// What one customer may hold at once: unpaid (PENDING) orders hold stock until their payment
// deadline, so their number and their units are bounded per customer.
import { createProduct, oneOf, placeOrder, waitForOrder } from '../support/orders-fixtures';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { MAX_OPEN_ORDERS_PER_CUSTOMER: '2', MAX_OPEN_UNITS_PER_CUSTOMER: '5' } });
});
afterAll(async () => {
  await stack?.stop();
});

// A provider outage: the order stays PENDING (holding its stock) until the payment deadline.
const NEVER_PAYS = 'pm_card_unavailable';

it('refuses a third unpaid order with 409 OPEN_ORDER_LIMIT, and takes it once one is cancelled', async () => {
  const c = await stack.customer();
  const p = await createProduct(stack, { stock: 100 });
  const first = await placeOrder(stack, c.token, oneOf(p.id, 1, NEVER_PAYS));
  const second = await placeOrder(stack, c.token, oneOf(p.id, 1, NEVER_PAYS));
  expect([first.status, second.status]).toEqual([201, 201]);

  const third = await placeOrder(stack, c.token, oneOf(p.id, 1, NEVER_PAYS));
  expect(third.status).toBe(409);
  expect(third.headers.get('content-type')).toContain('application/problem+json');
  expect(third.body).toMatchObject({ code: 'OPEN_ORDER_LIMIT', openOrders: 2 });

  const other = await stack.customer();
  expect((await placeOrder(stack, other.token, oneOf(p.id, 1, NEVER_PAYS))).status).toBe(201);

  const cancelled = await stack.request('PUT', `/api/orders/${first.body.id}/cancel`, { token: c.token });
  expect(cancelled.status).toBe(200);
  expect((await placeOrder(stack, c.token, oneOf(p.id, 1, NEVER_PAYS))).status).toBe(201);
});

it('counts units: 4 unpaid units leave room for 1 more, not 2', async () => {
  const c = await stack.customer();
  const p = await createProduct(stack, { stock: 100 });
  expect((await placeOrder(stack, c.token, oneOf(p.id, 4, NEVER_PAYS))).status).toBe(201);
  const over = await placeOrder(stack, c.token, oneOf(p.id, 2, NEVER_PAYS));
  expect(over.status).toBe(409);
  expect(over.body).toMatchObject({ code: 'OPEN_ORDER_LIMIT', openUnits: 4 });
  expect((await placeOrder(stack, c.token, oneOf(p.id, 1, NEVER_PAYS))).status).toBe(201);
});

it('paid orders do not count', async () => {
  const c = await stack.customer();
  const p = await createProduct(stack, { stock: 100 });
  for (let i = 0; i < 4; i++) {
    const placed = await placeOrder(stack, c.token, oneOf(p.id, 2));
    expect(placed.status).toBe(201);
    await waitForOrder(stack, c.token, placed.body.id, (o) => o.status === 'PAID');
  }
});

describe('refused before any workflow runs', () => {
  let strict: Stack;
  beforeAll(async () => {
    strict = await startStack({ domains: ['users', 'notifications'], env: { PAYMENT_SANDBOX_BEHAVIOURS: 'refuse' } });
  });
  afterAll(async () => {
    await strict?.stop();
  });

  it('lines of one product add up against the per-product cap (60 + 60 of one product is 400)', async () => {
    const c = await strict.customer();
    const p = await createProduct(strict, { stock: 500 });
    const res = await placeOrder(strict, c.token, {
      items: [
        { productId: p.id, quantity: 60 },
        { productId: p.id.toUpperCase(), quantity: 60 },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.detail).toContain('at most 100 units of one product');
  });

  it.each(['pm_card_flaky', 'pm_card_slow', 'pm_card_unavailable'])(
    'refuses the sandbox behaviour %s where PAYMENT_SANDBOX_BEHAVIOURS refuses it',
    async (method) => {
      const c = await strict.customer();
      const p = await createProduct(strict, { stock: 5 });
      const res = await placeOrder(strict, c.token, oneOf(p.id, 1, method));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(res.body.detail).toContain('sandbox');
    },
  );
});
