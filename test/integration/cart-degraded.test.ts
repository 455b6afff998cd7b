// The cart while the catalog pool is down: reads and changes still answer (they need the
// database and the orders pool only); checkout, which must quote the catalog, answers 503 with
// Retry-After once the quote's deadline has passed, with the cart unchanged and no order.
import { OrderEntity } from '../../db/entities';
import { createProduct } from '../support/orders-fixtures';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ domains: ['users', 'orders', 'notifications'] });
});
afterAll(async () => {
  await stack?.stop();
});

it('answers checkout 503 + Retry-After, never 500, and leaves the cart as it was', async () => {
  const c = await stack.customer();
  const a = await createProduct(stack, { stock: 5, priceCents: 100 });
  const put = await stack.request('PUT', `/api/cart/items/${a.id}`, { token: c.token, body: { quantity: 2 } });
  expect(put.status).toBe(200);
  const before = (await stack.request('GET', '/api/cart', { token: c.token })).body;
  expect(before.items).toHaveLength(1);

  const res = await stack.request('POST', '/api/cart/checkout', {
    token: c.token,
    body: { shippingAddress: { name: 'A', line1: '1 Road', city: 'Town', postalCode: '1000', country: 'BE' } },
  });
  expect([res.status, res.body.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.headers.get('retry-after')).toBe('5');
  expect((await stack.request('GET', '/api/cart', { token: c.token })).body).toEqual(before);
  expect(await stack.workerDeps.dataSource.getRepository(OrderEntity).findBy({ userId: c.id })).toEqual([]);
}, 60_000);
