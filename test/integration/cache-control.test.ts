// Answers to a request with credentials are the caller's own: `Cache-Control: no-store` on every
// one of them (success or problem), unless the route set its own (the catalog's HTTP cache:
// `private, no-cache` for a token holder, kept). Anonymous answers are left as their routes made
// them. On the real gateway, users and orders pools, Temporal, MariaDB and Redis.
import { randomUUID } from 'node:crypto';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;
let customer: { id: string; token: string };
let admin: string;
beforeAll(async () => {
  stack = await startStack({ domains: ['users', 'orders'] });
  customer = await stack.customer('No Store');
  admin = await stack.adminToken();
});
afterAll(async () => {
  await stack?.stop();
});

const cacheControl = async (method: string, path: string, token?: string, body?: unknown) => {
  const res = await stack.request(method, path, { token, body });
  return { op: `${method} ${path}`, status: res.status, cacheControl: res.headers.get('cache-control') };
};

it('sends no-store on every per-customer answer, successes and problems alike', async () => {
  const missing = randomUUID();
  const seen = [
    await cacheControl('GET', '/api/users/me', customer.token),
    await cacheControl('GET', `/api/users/${customer.id}`, customer.token),
    await cacheControl('GET', `/api/users/${missing}`, customer.token),
    await cacheControl('GET', '/api/orders?limit=5', customer.token),
    await cacheControl('GET', `/api/orders/${missing}`, customer.token),
    await cacheControl('POST', '/api/orders', customer.token, { items: [] }),
    await cacheControl('GET', '/api/cart', customer.token),
    await cacheControl('GET', '/api/cart', admin),
    await cacheControl('GET', '/api/users/me', 'not-a-token'),
  ];
  expect(seen).toEqual([
    { op: 'GET /api/users/me', status: 200, cacheControl: 'no-store' },
    { op: `GET /api/users/${customer.id}`, status: 200, cacheControl: 'no-store' },
    { op: `GET /api/users/${missing}`, status: 403, cacheControl: 'no-store' },
    { op: 'GET /api/orders?limit=5', status: 200, cacheControl: 'no-store' },
    { op: `GET /api/orders/${missing}`, status: 404, cacheControl: 'no-store' },
    { op: 'POST /api/orders', status: 400, cacheControl: 'no-store' },
    { op: 'GET /api/cart', status: 200, cacheControl: 'no-store' },
    { op: 'GET /api/cart', status: 403, cacheControl: 'no-store' },
    { op: 'GET /api/users/me', status: 401, cacheControl: 'no-store' },
  ]);
});

it("keeps a route's own Cache-Control (the catalog's, with a token) and leaves anonymous answers as they were", async () => {
  expect([
    await cacheControl('GET', '/api/products?limit=1', customer.token),
    await cacheControl('GET', '/api/products?limit=1'),
    await cacheControl('GET', '/api/orders'),
  ]).toEqual([
    { op: 'GET /api/products?limit=1', status: 200, cacheControl: 'private, no-cache' },
    {
      op: 'GET /api/products?limit=1',
      status: 200,
      cacheControl: `public, max-age=${stack.config.CATALOG_HTTP_MAX_AGE_S}`,
    },
    { op: 'GET /api/orders', status: 401, cacheControl: null },
  ]);
});
