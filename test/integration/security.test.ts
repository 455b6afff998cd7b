// Access control over every operation of the OpenAPI document × {anonymous, owner customer,
// other customer, admin}: no broken object-level (BOLA) or function-level (BFLA) authorization.
// The rule table must cover every operation, so a new route cannot ship without a rule.
import { randomUUID } from 'node:crypto';
import { openApiDocument } from '../../api/openapi';
import { ProductEntity, WebhookDeliveryEntity, WebhookEndpointEntity } from '../../db/entities';
import { ACCESS_RULES as RULES, type Caller, judge } from '../support/access-judge';
import { type OpenApiDoc, operations } from '../support/openapi-arbitraries';
import { type Stack, startStack } from '../support/stack';

const doc = openApiDocument() as unknown as OpenApiDoc;
let stack: Stack;
let owner: { id: string; token: string; email: string; password: string };
let other: { id: string; token: string };
let admin: string;
const leaks: string[] = [];

beforeAll(async () => {
  stack = await startStack();
  owner = await stack.customer('Owner');
  other = await stack.customer('Other');
  admin = await stack.adminToken();
});
afterAll(async () => {
  await stack?.stop();
  console.log(`access matrix: ${Object.keys(RULES).length} operations × 4 callers, ${leaks.length} leaks`);
});

async function newProduct(stock = 100): Promise<string> {
  const id = randomUUID();
  const now = new Date();
  await stack.workerDeps.dataSource.getRepository(ProductEntity).insert({
    id,
    sku: `SEC-${id.slice(0, 12)}`,
    name: 'Access test',
    description: '',
    priceCents: 500,
    currency: 'USD',
    stock,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  });
  return id;
}

async function newOwnerOrder(): Promise<string> {
  const productId = await newProduct();
  const res = await stack.request('POST', '/api/orders', {
    token: owner.token,
    body: { items: [{ productId, quantity: 1 }] },
  });
  if (res.status !== 201) throw new Error(`order fixture: ${res.status} ${JSON.stringify(res.body)}`);
  // Ship needs PAID; wait for the payment to settle so every caller meets the same state.
  for (let i = 0; i < 100; i++) {
    const o = await stack.request('GET', `/api/orders/${res.body.id}`, { token: owner.token });
    if (o.body.status !== 'PENDING') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return res.body.id;
}

/** A webhook endpoint (public target) with one FAILED delivery, written directly. */
async function newWebhook(): Promise<{ endpointId: string; deliveryId: string }> {
  const ds = stack.workerDeps.dataSource;
  const endpointId = randomUUID();
  const deliveryId = randomUUID();
  const now = new Date();
  await ds.getRepository(WebhookEndpointEntity).insert({
    id: endpointId,
    url: 'https://93.184.215.14/hooks',
    description: null,
    secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
    enabled: true,
    disabledReason: null,
    createdBy: randomUUID(),
    createdAt: now,
    updatedAt: now,
  });
  await ds.getRepository(WebhookDeliveryEntity).insert({
    id: deliveryId,
    endpointId,
    eventId: randomUUID(),
    eventType: 'shop.order.paid',
    payload: '{}',
    status: 'FAILED',
    attempts: 8,
    runs: 1,
    lastStatusCode: 500,
    lastError: null,
    lastResponseExcerpt: null,
    lastAttemptAt: now,
    nextAttemptAt: null,
    createdAt: now,
    updatedAt: now,
  });
  return { endpointId, deliveryId };
}

/** A fresh resource per call (state-changing calls must not affect the next caller). */
async function fixture(method: string, path: string): Promise<{ path: string; body?: unknown; ownedId?: string }> {
  if (path === '/api/users/{id}') return { path: `/api/users/${owner.id}`, ownedId: owner.id };
  if (path.startsWith('/api/orders/{id}')) {
    const id = await newOwnerOrder();
    return { path: path.replace('{id}', id), ownedId: id };
  }
  if (path === '/api/products/{id}')
    return { path: path.replace('{id}', await newProduct()), body: method === 'PUT' ? { name: 'Renamed' } : undefined };
  if (method === 'POST' && path === '/api/products')
    return { path, body: { name: 'Created', description: 'x', priceCents: 100, stock: 1 } };
  if (method === 'POST' && path === '/api/orders')
    return { path, body: { items: [{ productId: await newProduct(), quantity: 1 }] } };
  if (path.startsWith('/api/cart')) {
    // The owner's cart holds a product of its own: no other token may ever see it.
    const held = await newProduct();
    const put = await stack.request('PUT', `/api/cart/items/${held}`, { token: owner.token, body: { quantity: 1 } });
    if (put.status !== 200) throw new Error(`cart fixture: ${put.status} ${JSON.stringify(put.body)}`);
    if (path === '/api/cart/items/{productId}')
      return {
        path: path.replace('{productId}', await newProduct()),
        body: method === 'PUT' ? { quantity: 1 } : undefined,
      };
    const body =
      path === '/api/cart/checkout'
        ? { shippingAddress: { name: 'Sec', line1: '1 Road', city: 'Town', postalCode: '1000', country: 'BE' } }
        : undefined;
    return { path, body, ownedId: held };
  }
  if (method === 'POST' && path === '/api/webhooks')
    // A public IP literal: no DNS needed, and the SSRF guard lets it through.
    return { path, body: { url: 'https://93.184.215.14/hooks', events: ['order.paid'] } };
  if (path.startsWith('/api/webhooks/{id}')) {
    const { endpointId, deliveryId } = await newWebhook();
    return {
      path: path.replace('{id}', endpointId).replace('{deliveryId}', deliveryId),
      body: method === 'PATCH' ? { description: 'Renamed' } : undefined,
    };
  }
  if (path === '/api/users/register')
    return { path, body: { email: `sec-${randomUUID()}@example.test`, password: 'password123', name: 'Sec' } };
  if (path === '/api/users/login') return { path, body: { email: owner.email, password: owner.password } };
  return { path };
}

const tokenOf = (c: Caller) =>
  c === 'anonymous' ? undefined : c === 'owner' ? owner.token : c === 'other' ? other.token : admin;

it('has an access rule for every operation in the OpenAPI document', () => {
  const ops = operations(doc).map((o) => `${o.method} ${o.path}`);
  expect(ops.filter((o) => !(o in RULES))).toEqual([]);
  expect(Object.keys(RULES).filter((r) => !ops.includes(r))).toEqual([]);
});

describe.each(Object.entries(RULES))('%s (%s)', (key, rule) => {
  const [method, path] = key.split(' ');
  it.each<Caller>(['anonymous', 'owner', 'other', 'admin'])('as %s', async (caller) => {
    const f = await fixture(method, path);
    const res = await stack.request(method, f.path, { token: tokenOf(caller), body: f.body });
    const violation = judge(rule, caller, res.status, JSON.stringify(res.body ?? ''), f.ownedId);
    if (violation) leaks.push(`${key} as ${caller}: ${violation}`);
    expect(violation).toBeUndefined();
  });
});

describe('lists show only what is yours', () => {
  it("a customer's order list never contains another customer's order", async () => {
    const id = await newOwnerOrder();
    const mine = await stack.request('GET', '/api/orders?limit=100', { token: owner.token });
    const theirs = await stack.request('GET', '/api/orders?limit=100', { token: other.token });
    expect(mine.body.items.map((o: { id: string }) => o.id)).toContain(id);
    expect(theirs.body.items.every((o: { userId: string }) => o.userId === other.id)).toBe(true);
    const filtered = await stack.request('GET', `/api/orders?limit=100&userId=${owner.id}`, { token: other.token });
    expect((filtered.body.items ?? []).every((o: { userId: string }) => o.userId === other.id)).toBe(true);
  });
});

describe('mass assignment and injection', () => {
  it('ignores prices and statuses in order bodies', async () => {
    const productId = await newProduct();
    const res = await stack.request('POST', '/api/orders', {
      token: owner.token,
      body: {
        items: [{ productId, quantity: 2, unitPriceCents: 1, priceCents: 1 }],
        status: 'SHIPPED',
        totalCents: 1,
        userId: other.id,
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      userId: owner.id,
      status: 'PENDING',
      totalCents: 1000,
      items: [{ productId, unitPriceCents: 500, quantity: 2 }],
    });
  });

  it.each(["' OR '1'='1", "admin@example.test' --", '" OR ""="', "x'; DROP TABLE users; --"])(
    'treats %s as data in login',
    async (email) => {
      const res = await stack.request('POST', '/api/users/login', { body: { email, password: "' OR '1'='1" } });
      expect([400, 401]).toContain(res.status);
    },
  );

  it('treats injection in path and query parameters as data', async () => {
    for (const evil of ["1' OR '1'='1", '1; DROP TABLE products']) {
      expect([400, 404]).toContain((await stack.request('GET', `/api/products/${encodeURIComponent(evil)}`)).status);
      expect((await stack.request('GET', `/api/products?q=${encodeURIComponent(evil)}`)).status).toBe(200);
      expect((await stack.request('GET', `/api/products?cursor=${encodeURIComponent(evil)}`)).status).toBe(400);
    }
    expect(await stack.workerDeps.dataSource.getRepository(ProductEntity).count()).toBeGreaterThan(0);
  });
});

describe('login timing', () => {
  it('takes about as long for an unknown e-mail as for a wrong password', async () => {
    const c = await stack.customer('Timing');
    const time = async (email: string) => {
      const t = performance.now();
      await stack.request('POST', '/api/users/login', { body: { email, password: 'wrong password' } });
      return performance.now() - t;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 8; i++) {
      known.push(await time(c.email));
      unknown.push(await time(`nobody-${randomUUID()}@example.test`));
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const ratio = median(unknown) / median(known);
    console.log(
      `login timing: known ${median(known).toFixed(1)} ms, unknown ${median(unknown).toFixed(1)} ms, ratio ${ratio.toFixed(2)}`,
    );
    // Both paths run exactly one bcrypt compare (~65 ms); without the dummy hash the unknown
    // path would take ~1 ms, a ratio near 0.02.
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});
