// Catalog end to end on the real stack (gateway, catalog workers, Temporal, MariaDB, Redis):
// product writes through workflows with their access rules and validation, the cache states
// after writes, request coalescing, soft deletion, and keyset pagination under concurrent inserts.
import { randomUUID } from 'node:crypto';
import SwaggerParser from '@apidevtools/swagger-parser';
import { ApplicationFailure } from '@temporalio/common';
import { createStockActivities } from '../../activities/catalog/stock.activities';
import { productReadModelFor } from '../../api/catalog/read-model-registry';
import { openApiDocument } from '../../api/openapi';
import { ProductEntity } from '../../db/entities';
import { PRODUCT_LIMITS, productCacheKey, productWorkflowId } from '../../workflows/catalog/contract';
import { expectSchema } from '../support/openapi-schema';
import { type HttpResponse, type Stack, startStack } from '../support/stack';

let stack: Stack;
let admin: string;
let customer: string;

beforeAll(async () => {
  stack = await startStack();
  admin = await stack.adminToken();
  customer = (await stack.customer('Shopper')).token;
});
afterAll(async () => {
  await stack?.stop();
});

// ---- helpers --------------------------------------------------------------------------------

const doc = openApiDocument();

const expectProblem = (res: HttpResponse, status: number, code?: string) => {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expectSchema('Problem', res.body);
  if (code) expect(res.body.code).toBe(code);
};

const body = (over: Record<string, unknown> = {}) => ({
  name: `Widget ${randomUUID().slice(0, 8)}`,
  description: 'A fine widget',
  priceCents: 1999,
  stock: 5,
  ...over,
});

async function create(over: Record<string, unknown> = {}) {
  const res = await stack.request('POST', '/api/products', { token: admin, body: body(over) });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const get = (id: string, token?: string) => stack.request('GET', `/api/products/${id}`, { token });
const products = () => stack.workerDeps.dataSource.getRepository(ProductEntity);

/** Counts the product queries the gateway's data source sends, by replication mode. */
function countGatewayQueries(match: string) {
  const logger = stack.api.dataSource.logger;
  const original = logger.logQuery.bind(logger);
  const seen: { mode: string; query: string }[] = [];
  logger.logQuery = (query, parameters, queryRunner) => {
    if (query.includes(match))
      seen.push({ mode: (queryRunner as { mode?: string } | undefined)?.mode ?? 'master', query });
    return original(query, parameters, queryRunner);
  };
  return { seen, stop: () => void (logger.logQuery = original) };
}

// ---- writes ---------------------------------------------------------------------------------

describe('POST /api/products', () => {
  it('creates a product through the createProduct workflow, with a generated SKU, ignoring unknown fields', async () => {
    const res = await stack.request('POST', '/api/products', {
      token: admin,
      body: {
        ...body({ name: '  Blue Mug  ' }),
        id: randomUUID(),
        currency: 'EUR',
        deletedAt: '2020-01-01T00:00:00Z',
        createdAt: '2000-01-01T00:00:00.000Z',
        role: 'x',
      },
    });
    expect(res.status).toBe(201);
    expectSchema('Product', res.body);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      sku: expect.stringMatching(/^SKU-[0-9A-F]{12}$/),
      name: 'Blue Mug',
      description: 'A fine widget',
      priceCents: 1999,
      currency: 'USD',
      stock: 5,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(res.body.createdAt).not.toBe('2000-01-01T00:00:00.000Z');
    expect(res.headers.get('location')).toBe(`/api/products/${res.body.id}`);

    const row = await products().findOneByOrFail({ id: res.body.id });
    expect(row).toMatchObject({ name: 'Blue Mug', currency: 'USD', deletedAt: null, sku: res.body.sku });

    const handle = stack.api.temporal.workflow.getHandle(productWorkflowId(res.body.id, 'create', res.body.id));
    expect((await handle.describe()).type).toBe('createProduct');
  });

  it('defaults the description, upper-cases the SKU, and accepts the boundaries', async () => {
    const sku = `b-${randomUUID().slice(0, 8)}.x_1`;
    const res = await stack.request('POST', '/api/products', {
      token: admin,
      body: { name: 'n'.repeat(PRODUCT_LIMITS.nameMax), priceCents: 0, stock: 0, sku },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ description: '', priceCents: 0, stock: 0, sku: sku.toUpperCase() });
    const max = await stack.request('POST', '/api/products', {
      token: admin,
      body: body({ priceCents: PRODUCT_LIMITS.priceCentsMax, stock: PRODUCT_LIMITS.stockMax }),
    });
    expect(max.status).toBe(201);
  });

  it('is for admins only: 401 without or with a bad token, 403 for a customer', async () => {
    expectProblem(await stack.request('POST', '/api/products', { body: body() }), 401, 'UNAUTHORIZED');
    expectProblem(
      await stack.request('POST', '/api/products', { body: body(), token: 'not.a.token' }),
      401,
      'UNAUTHORIZED',
    );
    expectProblem(await stack.request('POST', '/api/products', { body: body(), token: customer }), 403, 'FORBIDDEN');
    const existing = await create();
    expectProblem(await stack.request('PUT', `/api/products/${existing.id}`, { body: { priceCents: 1 } }), 401);
    expectProblem(
      await stack.request('PUT', `/api/products/${existing.id}`, { body: { priceCents: 1 }, token: customer }),
      403,
      'FORBIDDEN',
    );
    expectProblem(await stack.request('DELETE', `/api/products/${existing.id}`), 401);
    expectProblem(await stack.request('DELETE', `/api/products/${existing.id}`, { token: customer }), 403, 'FORBIDDEN');
    expect((await products().findOneByOrFail({ id: existing.id })).priceCents).toBe(1999);
  });

  it.each([
    ['an empty body', {}],
    ['a missing name', { priceCents: 1, stock: 1 }],
    ['a blank name', body({ name: '   ' })],
    ['a 201-character name', body({ name: 'x'.repeat(201) })],
    ['a name with a control character', body({ name: 'bad\u0007name' })],
    ['a missing price', { name: 'x', stock: 1 }],
    ['a negative price', body({ priceCents: -1 })],
    ['a fractional price', body({ priceCents: 1.5 })],
    ['a price as a string', body({ priceCents: '100' })],
    ['a price above the cap', body({ priceCents: PRODUCT_LIMITS.priceCentsMax + 1 })],
    ['a negative stock', body({ stock: -1 })],
    ['a fractional stock', body({ stock: 0.5 })],
    ['a null stock', body({ stock: null })],
    ['a stock above the cap', body({ stock: PRODUCT_LIMITS.stockMax + 1 })],
    ['a SKU with spaces', body({ sku: 'A B' })],
    ['a SKU of 65 characters', body({ sku: 'A'.repeat(65) })],
    ['an empty SKU', body({ sku: '' })],
    ['a description that is not a string', body({ description: 42 })],
    ['a description over the limit', body({ description: 'd'.repeat(PRODUCT_LIMITS.descriptionMax + 1) })],
  ])('rejects %s with 400 problem+json', async (_label, b) => {
    expectProblem(await stack.request('POST', '/api/products', { token: admin, body: b }), 400, 'VALIDATION_FAILED');
  });

  it('answers 409 SKU_TAKEN for a duplicate SKU (whatever its case), and one of two concurrent creations wins', async () => {
    const sku = `DUP-${randomUUID().slice(0, 8)}`;
    await create({ sku });
    expectProblem(
      await stack.request('POST', '/api/products', { token: admin, body: body({ sku: sku.toLowerCase() }) }),
      409,
      'SKU_TAKEN',
    );

    const race = `RACE-${randomUUID().slice(0, 8)}`;
    const [a, b] = await Promise.all(
      [1, 2].map(() => stack.request('POST', '/api/products', { token: admin, body: body({ sku: race }) })),
    );
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expectProblem(a.status === 409 ? a : b, 409, 'SKU_TAKEN');
    expect(await products().countBy({ sku: race })).toBe(1);
  });
});

describe('PUT /api/products/:id', () => {
  it('updates only the fields given, ignores unknown fields, and bumps updatedAt', async () => {
    const p = await create({ sku: `PUT-${randomUUID().slice(0, 8)}` });
    const res = await stack.request('PUT', `/api/products/${p.id}`, {
      token: admin,
      body: { priceCents: 2500, currency: 'EUR', id: randomUUID(), createdAt: '2001-01-01T00:00:00.000Z' },
    });
    expect(res.status).toBe(200);
    expectSchema('Product', res.body);
    expect(res.body).toEqual({ ...p, priceCents: 2500, updatedAt: expect.any(String) });
    expect(Date.parse(res.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(p.updatedAt));

    const renamed = await stack.request('PUT', `/api/products/${p.id}`, {
      token: admin,
      body: { name: 'Renamed', description: '', stock: 0, sku: p.sku.toLowerCase() },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Renamed', description: '', stock: 0, sku: p.sku, priceCents: 2500 });
  });

  it('refuses an empty patch, bad values and a bad ID with 400; unknown products with 404; a taken SKU with 409', async () => {
    const p = await create();
    const other = await create({ sku: `OTHER-${randomUUID().slice(0, 8)}` });
    expectProblem(
      await stack.request('PUT', `/api/products/${p.id}`, { token: admin, body: {} }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await stack.request('PUT', `/api/products/${p.id}`, { token: admin, body: { colour: 'red' } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await stack.request('PUT', `/api/products/${p.id}`, { token: admin, body: { priceCents: -5 } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await stack.request('PUT', `/api/products/${p.id}`, { token: admin, body: { name: '' } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await stack.request('PUT', '/api/products/not-a-uuid', { token: admin, body: { stock: 1 } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await stack.request('PUT', `/api/products/${randomUUID()}`, { token: admin, body: { stock: 1 } }),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await stack.request('PUT', `/api/products/${p.id}`, { token: admin, body: { sku: other.sku } }),
      409,
      'SKU_TAKEN',
    );
    expect(await products().findOneByOrFail({ id: p.id })).toMatchObject({
      sku: p.sku,
      priceCents: p.priceCents,
      name: p.name,
    });
  });
});

describe('DELETE /api/products/:id', () => {
  it('soft-deletes: 204, then 404 on read, update and delete, absent from the list and not orderable; the row keeps name and price', async () => {
    const p = await create({ name: `Doomed ${randomUUID().slice(0, 8)}`, priceCents: 4321 });
    const stock = createStockActivities({ dataSource: stack.workerDeps.dataSource, cache: stack.workerDeps.cache });
    const priced = await stock.priceLines([{ productId: p.id, quantity: 1 }]);
    expect(priced.lines[0]).toMatchObject({ name: p.name, unitPriceCents: 4321 });
    expect((await get(p.id)).status).toBe(200); // now cached

    const del = await stack.request('DELETE', `/api/products/${p.id}`, { token: admin });
    expect(del.status).toBe(204);
    expect(del.body).toBeUndefined();

    expectProblem(await get(p.id), 404, 'NOT_FOUND');
    expectProblem(await get(p.id, admin), 404, 'NOT_FOUND');
    expectProblem(
      await stack.request('PUT', `/api/products/${p.id}`, { token: admin, body: { stock: 1 } }),
      404,
      'NOT_FOUND',
    );
    expectProblem(await stack.request('DELETE', `/api/products/${p.id}`, { token: admin }), 404, 'NOT_FOUND');
    expectProblem(await stack.request('DELETE', `/api/products/${randomUUID()}`, { token: admin }), 404, 'NOT_FOUND');
    const listed = await stack.request('GET', `/api/products?q=${encodeURIComponent(p.name)}`, { token: admin });
    expect(listed.body.items).toEqual([]);

    // Orders copy name and price at order time; the row they came from is still there.
    const row = await products().findOneByOrFail({ id: p.id });
    expect(row.deletedAt).toBeInstanceOf(Date);
    expect(row).toMatchObject({ name: priced.lines[0].name, priceCents: priced.lines[0].unitPriceCents });
    await expect(stock.priceLines([{ productId: p.id, quantity: 1 }])).rejects.toMatchObject({
      type: 'UnknownProduct',
    });
    const refused = await stock
      .reserveStock({ orderId: randomUUID(), lines: [{ productId: p.id, quantity: 1 }] })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect((refused as ApplicationFailure).type).toBe('OutOfStock');
  });
});

// ---- reads ----------------------------------------------------------------------------------

describe('GET /api/products/:id (cache-aside)', () => {
  it('MISS then HIT; an update is visible on the very next read (MISS), then HIT again', async () => {
    const p = await create();
    const first = await get(p.id);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('MISS');
    expect(first.body).toEqual(p);
    expectSchema('Product', first.body);
    const second = await get(p.id, customer);
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(second.body).toEqual(p);
    expect(await stack.workerDeps.cache.get(productCacheKey(p.id))).toContain(p.name);

    const updated = await stack.request('PUT', `/api/products/${p.id}`, {
      token: admin,
      body: { name: 'Changed name', priceCents: 1 },
    });
    expect(updated.status).toBe(200);
    expect(await stack.workerDeps.cache.get(productCacheKey(p.id))).toBeUndefined(); // invalidated before the write answered
    const after = await get(p.id);
    expect(after.headers.get('x-cache')).toBe('MISS');
    expect(after.body).toEqual(updated.body);
    const again = await get(p.id);
    expect(again.headers.get('x-cache')).toBe('HIT');
    expect(again.body).toMatchObject({ name: 'Changed name', priceCents: 1 });
  });

  it('admins read through to the primary (their own writes, always), and the metrics count every cache outcome', async () => {
    const p = await create();
    await get(p.id);
    expect((await get(p.id)).headers.get('x-cache')).toBe('HIT');
    const byAdmin = await get(p.id, admin);
    expect(byAdmin.headers.get('x-cache')).toBe('MISS');
    expect(byAdmin.body).toEqual(p);
    const metrics = await stack.request('GET', '/metrics');
    expect(metrics.body).toMatch(/shop_cache_requests_total\{result="hit"[^}]*\} [1-9]/);
    expect(metrics.body).toMatch(/shop_cache_requests_total\{result="miss"[^}]*\} [1-9]/);
  });

  it('answers 404 for an unknown product and 400 for a malformed ID; accepts an upper-case UUID', async () => {
    const missing = await get(randomUUID());
    expectProblem(missing, 404, 'NOT_FOUND');
    expectProblem(await get('42'), 400, 'VALIDATION_FAILED');
    const p = await create();
    const upper = await get(p.id.toUpperCase());
    expect(upper.status).toBe(200);
    expect(upper.body.id).toBe(p.id);
  });

  it('coalesces 20 concurrent misses for one product into exactly one database query', async () => {
    const p = await create();
    const model = productReadModelFor(stack.api);
    const before = { ...model.stats };
    const queries = countGatewayQueries('catalog-read');
    let responses: HttpResponse[];
    try {
      responses = await Promise.all(Array.from({ length: 20 }, () => get(p.id)));
    } finally {
      queries.stop();
    }
    for (const r of responses) {
      expect(r.status).toBe(200);
      expect(r.body).toEqual(p);
    }
    expect(queries.seen).toHaveLength(1);
    expect(model.stats.databaseReads - before.databaseReads).toBe(1);
    const outcomes = responses.map((r) => r.headers.get('x-cache'));
    console.log(
      `coalescing: 20 concurrent GETs → ${queries.seen.length} database query; ${model.stats.coalescedReads - before.coalescedReads} joined the in-flight read; X-Cache ${JSON.stringify(countBy(outcomes))}`,
    );
  });
});

function countBy(values: (string | null)[]) {
  return values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [String(v)]: (acc[String(v)] ?? 0) + 1 }), {});
}

describe('GET /api/products (keyset pagination)', () => {
  it('pages with no duplicates and no gaps while products are being added, in a stable newest-first order', async () => {
    const tag = `Pager${randomUUID().slice(0, 8)}`;
    // 20 through the API, plus 6 sharing one createdAt to exercise the ID tie-break.
    const initial: string[] = [];
    for (let i = 0; i < 20; i++) initial.push((await create({ name: `${tag} item ${i}` })).id);
    const tie = new Date(Date.now() - 60_000);
    for (let i = 0; i < 6; i++) {
      const id = randomUUID();
      await products().insert({
        id,
        sku: `TIE-${id.slice(0, 8)}`,
        name: `${tag} tie ${i}`,
        description: '',
        priceCents: 1,
        currency: 'USD',
        stock: 1,
        createdAt: tie,
        updatedAt: tie,
        deletedAt: null,
      });
      initial.push(id);
    }

    // Products keep arriving while we page: a background writer, plus two more between pages.
    let adding = true;
    const added: string[] = [];
    const adder = (async () => {
      for (let i = 0; adding; i++) added.push((await create({ name: `${tag} late ${i}` })).id);
    })();

    const seen: { id: string; createdAt: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: HttpResponse = await stack.request(
        'GET',
        `/api/products?limit=4&q=${tag}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      expectSchema('ProductPage', res.body);
      expect(res.body.items.length).toBeLessThanOrEqual(4);
      seen.push(
        ...res.body.items.map((p: { id: string; createdAt: string }) => ({ id: p.id, createdAt: p.createdAt })),
      );
      cursor = res.body.nextCursor;
      pages++;
      for (const n of [0, 1]) added.push((await create({ name: `${tag} between ${pages}.${n}` })).id);
    } while (cursor);
    adding = false;
    await adder;

    const ids = seen.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length); // no duplicates
    expect(initial.filter((id) => !ids.includes(id))).toEqual([]); // no gaps
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1], seen[i]];
      expect(a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id)).toBe(true);
    }
    console.log(
      `pagination: ${pages} pages of 4, ${ids.length} distinct products seen (${initial.length} existing, all present), ${added.length} added meanwhile, 0 duplicates`,
    );

    // Stable: the same query twice gives the same first page; the last page has no cursor.
    const a = await stack.request('GET', `/api/products?limit=100&q=${tag}`);
    const b = await stack.request('GET', `/api/products?limit=100&q=${tag}`);
    expect(a.body.items.map((p: { id: string }) => p.id)).toEqual(b.body.items.map((p: { id: string }) => p.id));
    expect(a.body.items).toHaveLength(initial.length + added.length);
    expect(a.body.nextCursor).toBeNull();
  }, 120_000);

  it('matches q literally inside names (LIKE wildcards escaped), case-insensitively', async () => {
    const tag = randomUUID().slice(0, 8);
    const pct = await create({ name: `Promo ${tag} 100% cotton` });
    const und = await create({ name: `Promo ${tag} 100_ cotton` });
    const bang = await create({ name: `Promo ${tag} 100! cotton` });
    const names = async (q: string) =>
      (await stack.request('GET', `/api/products?q=${encodeURIComponent(q)}`)).body.items
        .map((p: { id: string }) => p.id)
        .sort();
    expect(await names(`${tag} 100%`)).toEqual([pct.id]);
    expect(await names(`${tag} 100_`)).toEqual([und.id]);
    expect(await names(`${tag} 100!`)).toEqual([bang.id]);
    expect(await names(`PROMO ${tag.toUpperCase()}`)).toEqual([pct.id, und.id, bang.id].sort());
    expect(await names(`${tag} 100`)).toHaveLength(3);
  });

  it('defaults to 20 items, accepts 1..100, and refuses bad limits and cursors with 400', async () => {
    const list = await stack.request('GET', '/api/products');
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeLessThanOrEqual(20);
    expect((await stack.request('GET', '/api/products?limit=100')).status).toBe(200);
    expect((await stack.request('GET', '/api/products?limit=1')).body.items).toHaveLength(1);
    for (const bad of [
      'limit=0',
      'limit=101',
      'limit=-1',
      'limit=abc',
      'limit=1.5',
      'limit=',
      'limit=1&limit=2',
      'cursor=garbage!',
      `cursor=${Buffer.from('{"c":"x","i":"y"}').toString('base64url')}`,
      `cursor=${Buffer.from('[1,2]').toString('base64url')}`,
      `q=${'q'.repeat(101)}`,
    ]) {
      expectProblem(await stack.request('GET', `/api/products?${bad}`), 400, 'VALIDATION_FAILED');
    }
  });
});

describe('OpenAPI', () => {
  it('the document (with the product operations) is valid OpenAPI 3.1 and served by the gateway', async () => {
    await SwaggerParser.validate(JSON.parse(JSON.stringify(doc)));
    const served = await stack.request('GET', '/api/openapi.json');
    expect(Object.keys(served.body.paths)).toEqual(expect.arrayContaining(['/api/products', '/api/products/{id}']));
    expect(Object.keys(served.body.paths['/api/products/{id}']).sort()).toEqual(['delete', 'get', 'put']);
  });
});
