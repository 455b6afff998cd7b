// HTTP caching of the catalog reads on the real stack (gateway, catalog workers, Temporal,
// MariaDB, Redis): strong ETags, Cache-Control by caller, Vary, If-None-Match → 304 (lists of
// tags, weak comparison, `*`), HEAD like GET, and a new ETag once an admin changes the product.
import { randomUUID } from 'node:crypto';
import { type HttpResponse, type Stack, startStack } from '../support/stack';

let stack: Stack;
let admin: string;
let customer: string;

const MAX_AGE = 7; // not the default (5): the setting reaches the header

beforeAll(async () => {
  stack = await startStack({ env: { CATALOG_HTTP_MAX_AGE_S: String(MAX_AGE) } });
  admin = await stack.adminToken();
  customer = (await stack.customer('Cache Shopper')).token;
});
afterAll(async () => {
  await stack?.stop();
});

async function create(over: Record<string, unknown> = {}) {
  const res = await stack.request('POST', '/api/products', {
    token: admin,
    body: {
      name: `Cached ${randomUUID().slice(0, 8)}`,
      description: 'An HTTP-cached widget',
      priceCents: 1500,
      stock: 3,
      ...over,
    },
  });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; priceCents: number };
}

const get = (path: string, headers: Record<string, string> = {}, token?: string) =>
  stack.request('GET', path, { headers, token });

/** The raw response of a HEAD (fetch gives no body for it; the length says whether one was sent). */
async function head(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(stack.baseUrl + path, { method: 'HEAD', headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const varyNames = (res: { headers: Headers }) =>
  (res.headers.get('vary') ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

function expectPublic(res: HttpResponse) {
  expect(res.headers.get('cache-control')).toBe(`public, max-age=${MAX_AGE}`);
  expect(varyNames(res)).toContain('authorization');
}

const STRONG_ETAG = /^"[A-Za-z0-9_-]{20,}"$/;

describe('GET /api/products/:id', () => {
  it('answers anonymous reads with a strong ETag, public Cache-Control and Vary: Authorization', async () => {
    const p = await create();
    const first = await get(`/api/products/${p.id}`);
    expect(first.status).toBe(200);
    expect(first.body.id).toBe(p.id);
    expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(STRONG_ETAG);
    expectPublic(first);
    // The same representation (now a cache HIT) has the same tag.
    const second = await get(`/api/products/${p.id}`);
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(second.headers.get('etag')).toBe(etag);
    expect(second.body).toEqual(first.body);
    // Browsers may read it cross-origin.
    expect(first.headers.get('access-control-expose-headers')?.split(',')).toContain('ETag');
  });

  it('answers If-None-Match with the current tag with 304, no body, and the same validators', async () => {
    const p = await create();
    const etag = (await get(`/api/products/${p.id}`)).headers.get('etag')!;
    const res = await get(`/api/products/${p.id}`, { 'If-None-Match': etag });
    expect(res.status).toBe(304);
    expect(res.body).toBeUndefined();
    expect(res.headers.get('etag')).toBe(etag);
    expectPublic(res);
    expect(res.headers.get('content-length')).toBeNull();
  });

  it('compares weakly, reads lists of tags, honours * and answers 200 when nothing matches', async () => {
    const p = await create();
    const path = `/api/products/${p.id}`;
    const etag = (await get(path)).headers.get('etag')!;
    const statusWith = async (inm: string) => (await get(path, { 'If-None-Match': inm })).status;
    expect(await statusWith(`W/${etag}`)).toBe(304);
    expect(await statusWith(`"nope", ${etag}`)).toBe(304);
    expect(await statusWith(`"a,b",W/${etag} , "c"`)).toBe(304);
    expect(await statusWith('*')).toBe(304);
    expect(await statusWith('"nope"')).toBe(200);
    expect(await statusWith(`W/"nope", "${etag.slice(1, -2)}"`)).toBe(200);
    // `*` needs a current representation: an unknown product is still 404, and never publicly cacheable.
    const missing = await get(`/api/products/${randomUUID()}`, { 'If-None-Match': '*' });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('cache-control') ?? '').not.toContain('public');
    expect(missing.headers.get('etag')).toBeNull();
  });

  it('answers 404 (unknown or deleted product, GET and HEAD, anonymous or not) with Cache-Control: no-store', async () => {
    // A 404 is heuristically cacheable (RFC 9111 §4.2.2) and not a lasting answer here: a product
    // accepted with 202 (Location polled) is 404 until its write completes. No cache may keep it.
    const p = await create();
    const deleted = await stack.request('DELETE', `/api/products/${p.id}`, { token: admin });
    expect(deleted.status).toBe(204);
    for (const path of [`/api/products/${randomUUID()}`, `/api/products/${p.id}`]) {
      for (const token of [undefined, customer, admin]) {
        const res = await get(path, {}, token);
        expect([res.status, res.body?.code]).toEqual([404, 'NOT_FOUND']);
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.headers.get('etag')).toBeNull();
      }
      const h = await head(path);
      expect(h.status).toBe(404);
      expect(h.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('answers HEAD like GET without a body, 304 included', async () => {
    const p = await create();
    const path = `/api/products/${p.id}`;
    const g = await get(path);
    const h = await head(path);
    expect(h.status).toBe(200);
    expect(h.text).toBe('');
    expect(h.headers.get('etag')).toBe(g.headers.get('etag'));
    expect(h.headers.get('cache-control')).toBe(`public, max-age=${MAX_AGE}`);
    const h304 = await head(path, { 'If-None-Match': g.headers.get('etag')! });
    expect(h304.status).toBe(304);
    expect(h304.text).toBe('');
  });

  it('answers 200 with a new ETag once an admin changes the price, and 304 for the new tag', async () => {
    const p = await create({ priceCents: 1000 });
    const path = `/api/products/${p.id}`;
    const before = await get(path);
    expect((await get(path)).headers.get('x-cache')).toBe('HIT');
    const oldTag = before.headers.get('etag')!;
    const put = await stack.request('PUT', path, { token: admin, body: { priceCents: 1234 } });
    expect(put.status).toBe(200);
    const after = await get(path, { 'If-None-Match': oldTag });
    expect(after.status).toBe(200);
    expect(after.body.priceCents).toBe(1234);
    const newTag = after.headers.get('etag')!;
    expect(newTag).toMatch(STRONG_ETAG);
    expect(newTag).not.toBe(oldTag);
    expect((await get(path, { 'If-None-Match': newTag })).status).toBe(304);
    expect((await get(path, { 'If-None-Match': oldTag })).status).toBe(200);
  });

  it('marks authenticated reads private (never stored by a shared cache) and lets the admin revalidate their own writes', async () => {
    const p = await create({ priceCents: 2000 });
    const path = `/api/products/${p.id}`;
    const anonymousTag = (await get(path)).headers.get('etag')!;
    for (const token of [admin, customer]) {
      const res = await get(path, {}, token);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('private, no-cache');
      expect(varyNames(res)).toContain('authorization');
      // The same representation: the same tag, whoever asks.
      expect(res.headers.get('etag')).toBe(anonymousTag);
      const revalidated = await get(path, { 'If-None-Match': anonymousTag }, token);
      expect(revalidated.status).toBe(304);
      expect(revalidated.headers.get('cache-control')).toBe('private, no-cache');
    }
    // The admin's own write: the next revalidation (no-cache: every use) gets the new body.
    await stack.request('PUT', path, { token: admin, body: { priceCents: 2100 } });
    const mine = await get(path, { 'If-None-Match': anonymousTag }, admin);
    expect(mine.status).toBe(200);
    expect(mine.body.priceCents).toBe(2100);
  });
});

describe('GET /api/products (list and search)', () => {
  it('answers pages with an ETag and 304 on a match; a new product changes the tag', async () => {
    const tag = `List${randomUUID().slice(0, 8)}`;
    await create({ name: `${tag} one` });
    const path = `/api/products?limit=5&q=${tag}`;
    const first = await get(path);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(1);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(STRONG_ETAG);
    expectPublic(first);
    const again = await get(path, { 'If-None-Match': `"x", W/${etag}` });
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();
    expect((await get('/api/products?limit=5', { 'If-None-Match': etag })).status).toBe(200); // another page, another tag
    await create({ name: `${tag} two` });
    const changed = await get(path, { 'If-None-Match': etag });
    expect(changed.status).toBe(200);
    expect(changed.body.items).toHaveLength(2);
    expect(changed.headers.get('etag')).not.toBe(etag);
    const mine = await get(path, {}, admin);
    expect(mine.headers.get('cache-control')).toBe('private, no-cache');
    expect(mine.headers.get('etag')).toBe(changed.headers.get('etag'));
    const h = await head(path, { 'If-None-Match': changed.headers.get('etag')! });
    expect(h.status).toBe(304);
  });
});
