// Product writes under client retries, through the gateway on the real stack (catalog workers,
// Temporal, MariaDB, Redis). With an Idempotency-Key a repeated create, update or delete gets the
// first answer and writes nothing twice; the same key with another body is 422. Without a key,
// every request is a write of its own: sharing an X-Request-Id (a tracing ID) never merges two.
import { randomUUID } from 'node:crypto';
import { ProductEntity } from '../../db/entities';
import { seedAdmin } from '../../db/seed-admin';
import { expectSchema } from '../support/openapi-schema';
import { type HttpResponse, type Stack, startStack } from '../support/stack';

let stack: Stack;
let admin: string;

beforeAll(async () => {
  stack = await startStack({ domains: ['catalog'] });
  admin = await stack.adminToken();
});
afterAll(async () => {
  await stack?.stop();
});

const fields = (over: Record<string, unknown> = {}) => ({
  name: `Retry ${randomUUID().slice(0, 8)}`,
  priceCents: 100,
  stock: 3,
  ...over,
});
const rows = () => stack.workerDeps.dataSource.getRepository(ProductEntity);
const keyed = (key?: string) => (key ? { 'Idempotency-Key': key } : undefined);

const post = (body: unknown, key?: string, token = admin) =>
  stack.request('POST', '/api/products', { token, body, headers: keyed(key) });
const put = (id: string, body: unknown, key?: string) =>
  stack.request('PUT', `/api/products/${id}`, { token: admin, body, headers: keyed(key) });
const del = (id: string, key?: string) =>
  stack.request('DELETE', `/api/products/${id}`, { token: admin, headers: keyed(key) });

async function created(over: Record<string, unknown> = {}) {
  const res = await post(fields(over));
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

function expectKeyReused(res: HttpResponse) {
  expect(res.status).toBe(422);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expectSchema('Problem', res.body);
  expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
}

async function anotherAdmin(): Promise<string> {
  const email = `admin-${randomUUID()}@example.test`;
  const password = 'admin password 123';
  await seedAdmin(stack.workerDeps.dataSource, { email, password });
  const login = await stack.request('POST', '/api/users/login', { body: { email, password } });
  return login.body.accessToken as string;
}

describe('POST /api/products with an Idempotency-Key', () => {
  it('repeats, sequential and concurrent, answer the first 201 and create one product', async () => {
    const key = `create-${randomUUID()}`;
    const body = fields();
    const first = await post(body, key);
    expect(first.status).toBe(201);
    const repeats = await Promise.all([1, 2, 3].map(() => post(body, key)));
    for (const again of repeats) {
      expect(again.body.id).toBe(first.body.id);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('location')).toBe(`/api/products/${first.body.id}`);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
    }
    expect(first.headers.get('idempotent-replayed')).toBe('false');
    expect(await rows().countBy({ name: body.name })).toBe(1);
  });

  it('concurrent first attempts with one key make one product', async () => {
    const key = `create-${randomUUID()}`;
    const body = fields();
    const all = await Promise.all([1, 2, 3, 4].map(() => post(body, key)));
    expect(new Set(all.map((r) => r.body.id)).size).toBe(1);
    expect(all.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(await rows().countBy({ name: body.name })).toBe(1);
  });

  it('the same key with another body is 422 IDEMPOTENCY_KEY_REUSED and creates nothing', async () => {
    const key = `create-${randomUUID()}`;
    const first = await post(fields(), key);
    expect(first.status).toBe(201);
    const other = fields();
    expectKeyReused(await post(other, key));
    expect(await rows().countBy({ name: other.name })).toBe(0);
  });

  it('keys are scoped to the admin account: another admin with the same key creates its own product', async () => {
    const key = `create-${randomUUID()}`;
    const mine = await post(fields(), key);
    const theirs = await post(fields(), key, await anotherAdmin());
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it('an invalid key is 400', async () => {
    const res = await post(fields(), 'bad key with spaces');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });
});

describe('PUT /api/products/:id', () => {
  it('distinct patches sharing an X-Request-Id all apply: none collapses into another', async () => {
    const p = await created();
    const headers = { 'X-Request-Id': `shared-${randomUUID()}` };
    const sku = `SHARED-${randomUUID().slice(0, 8)}`.toUpperCase();
    const patches = [{ name: 'Renamed' }, { description: 'Described' }, { priceCents: 4321 }, { stock: 42 }, { sku }];
    const answers = await Promise.all(
      patches.map((body) => stack.request('PUT', `/api/products/${p.id}`, { token: admin, body, headers })),
    );
    answers.forEach((res, i) => {
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject(patches[i]);
    });
    expect(await rows().findOneByOrFail({ id: p.id })).toMatchObject({
      name: 'Renamed',
      description: 'Described',
      priceCents: 4321,
      stock: 42,
      sku,
    });
  });

  it('a repeated keyed update answers the first 200 and does not apply its patch again', async () => {
    const p = await created();
    const key = `update-${randomUUID()}`;
    const first = await put(p.id, { stock: 5 }, key);
    expect(first.status).toBe(200);
    expect(first.body.stock).toBe(5);
    expect((await put(p.id, { stock: 9 })).status).toBe(200); // someone else's write meanwhile
    const again = await put(p.id, { stock: 5 }, key);
    expect((await rows().findOneByOrFail({ id: p.id })).stock).toBe(9);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('the same key with another patch is 422 and changes nothing', async () => {
    const p = await created();
    const key = `update-${randomUUID()}`;
    expect((await put(p.id, { stock: 5 }, key)).status).toBe(200);
    expectKeyReused(await put(p.id, { stock: 6 }, key));
    expect((await rows().findOneByOrFail({ id: p.id })).stock).toBe(5);
  });
});

describe('DELETE /api/products/:id', () => {
  it('a repeated keyed delete answers 204 again; a delete under another key is a real 404', async () => {
    const p = await created();
    const key = `delete-${randomUUID()}`;
    expect((await del(p.id, key)).status).toBe(204);
    const again = await del(p.id, key);
    expect(again.status).toBe(204);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await del(p.id, `delete-${randomUUID()}`)).status).toBe(404);
    expect((await del(p.id)).status).toBe(404);
  });
});
