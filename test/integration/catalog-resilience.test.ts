// The catalog read path under real failures, cut with a TCP proxy (no mocks): the gateway's
// database link down (reset and blackholed) → cached products served STALE, uncached ones a
// prompt 503; Redis down or partitioned → reads straight from MariaDB, writes still succeed, and
// the durable purge workflow removes the entry the write could not invalidate once Redis is back.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import { productWriteIdFor } from '../../api/catalog/catalog.commands';
import { productReadModelFor } from '../../api/catalog/read-model-registry';
import { productCacheKey, productCachePurgeWorkflowId } from '../../workflows/catalog/contract';
import { type HttpResponse, type Stack, startStack } from '../support/stack';
import { TcpProxy } from '../support/tcp-proxy';
import { testEnv } from '../support/test-env';

/** The same URL with its host and port replaced by the proxy's. */
function through(proxy: TcpProxy, url: string): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}
const portOf = (url: string, fallback: number) => Number(new URL(url).port || fallback);

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const productBody = (name: string) => ({ name, description: 'resilience', priceCents: 1200, stock: 3 });

async function create(stack: Stack, admin: string, name = `Res ${randomUUID().slice(0, 8)}`) {
  const res = await stack.request('POST', '/api/products', { token: admin, body: productBody(name) });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const expect503 = (res: HttpResponse) => {
  expect(res.status).toBe(503);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
  expect(res.headers.get('retry-after')).toBe('5');
};

describe('the gateway cannot reach MariaDB', () => {
  let stack: Stack;
  let proxy: TcpProxy;
  let admin: string;

  beforeAll(async () => {
    const env = testEnv();
    proxy = await TcpProxy.start({ targetPort: portOf(env.mysqlUrl, 3306) });
    // The gateway reaches the primary through the proxy (cached copies fresh for 1 s); the
    // workers, which run the writes, keep the direct link.
    stack = await startStack({ apiEnv: { MYSQL_URL: through(proxy, env.mysqlUrl), CACHE_TTL_SECONDS: '1' } });
    admin = await stack.adminToken();
  });
  afterAll(async () => {
    await stack?.stop();
    await proxy?.close();
  });

  it('serves a cached product as STALE (200), answers 503 for an uncached one at once, and recovers', async () => {
    const cachedOne = await create(stack, admin);
    const uncached = await create(stack, admin);
    expect((await stack.request('GET', `/api/products/${cachedOne.id}`)).headers.get('x-cache')).toBe('MISS');
    await new Promise((r) => setTimeout(r, 1100)); // past its freshness, still stored

    proxy.cut('reset');
    const stale = await timed(() => stack.request('GET', `/api/products/${cachedOne.id}`));
    expect(stale.value.status).toBe(200);
    expect(stale.value.headers.get('x-cache')).toBe('STALE');
    expect(stale.value.body).toEqual(cachedOne);
    const adminStale = await stack.request('GET', `/api/products/${cachedOne.id}`, { token: admin });
    expect(adminStale.status).toBe(200);
    expect(adminStale.headers.get('x-cache')).toBe('STALE');

    const missing = await timed(() => stack.request('GET', `/api/products/${uncached.id}`));
    expect503(missing.value);
    expect(missing.ms).toBeLessThan(1000);
    expect503(await stack.request('GET', '/api/products?limit=5'));
    expect(proxy.stats.rejected).toBeGreaterThan(0);

    const metrics = await stack.request('GET', '/metrics');
    expect(metrics.body).toMatch(/shop_cache_requests_total\{result="stale"[^}]*\} [1-9]/);

    proxy.restore();
    const back = await eventually(
      () => stack.request('GET', `/api/products/${uncached.id}`),
      (r) => r.status === 200,
      10_000,
    );
    expect(back.status).toBe(200);
    expect(back.body).toEqual(uncached);
    const refreshed = await stack.request('GET', `/api/products/${cachedOne.id}`);
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers.get('x-cache')).toMatch(/MISS|HIT/);
    console.log(
      `db down (reset): cached product → ${stale.value.status} ${stale.value.headers.get('x-cache')} in ${stale.ms} ms; uncached → ${missing.value.status} ${missing.value.body.code} in ${missing.ms} ms`,
    );
  });

  it('bounds the wait when the database link hangs (partition): STALE or 503 within the deadline, never a hang', async () => {
    const cachedOne = await create(stack, admin);
    const uncached = await create(stack, admin);
    await stack.request('GET', `/api/products/${cachedOne.id}`);
    await new Promise((r) => setTimeout(r, 1100));

    proxy.cut('blackhole');
    try {
      const [stale, missing, list] = await Promise.all([
        timed(() => stack.request('GET', `/api/products/${cachedOne.id}`)),
        timed(() => stack.request('GET', `/api/products/${uncached.id}`)),
        timed(() => stack.request('GET', '/api/products')),
      ]);
      expect(stale.value.status).toBe(200);
      expect(stale.value.headers.get('x-cache')).toBe('STALE');
      expect(stale.value.body).toEqual(cachedOne);
      expect503(missing.value);
      expect503(list.value);
      // Point reads wait at most 1.5 s for the database, lists 3 s.
      for (const r of [stale, missing]) expect(r.ms).toBeLessThan(2500);
      expect(list.ms).toBeLessThan(4000);
      console.log(
        `db partitioned (blackhole): cached → ${stale.value.status} STALE in ${stale.ms} ms; uncached → 503 in ${missing.ms} ms; list → 503 in ${list.ms} ms`,
      );
    } finally {
      proxy.restore();
    }
    const back = await eventually(
      () => stack.request('GET', `/api/products/${uncached.id}`),
      (r) => r.status === 200,
      10_000,
    );
    expect(back.body).toEqual(uncached);
  });
});

describe('Redis cut off through a proxy (gateway and workers)', () => {
  let stack: Stack;
  let proxy: TcpProxy;
  let admin: string;
  let direct: Redis;

  beforeAll(async () => {
    const env = testEnv();
    proxy = await TcpProxy.start({ targetPort: portOf(env.redisUrl, 6379) });
    stack = await startStack({ env: { REDIS_URL: through(proxy, env.redisUrl) } });
    admin = await stack.adminToken();
    direct = new Redis(env.redisUrl, { keyPrefix: env.redisKeyPrefix, lazyConnect: false });
  });
  afterAll(async () => {
    direct?.disconnect();
    await stack?.stop();
    await proxy?.close();
  });

  it('reads go straight to MariaDB (MISS, never 500), writes still succeed, and the durable purge cleans up once Redis is back', async () => {
    const p = await create(stack, admin);
    await stack.request('GET', `/api/products/${p.id}`);
    expect((await stack.request('GET', `/api/products/${p.id}`)).headers.get('x-cache')).toBe('HIT');

    proxy.cut('reset');
    await eventually(
      async () => stack.api.redis!.status,
      (s) => s !== 'ready',
      5000,
    );
    const customer = await stack.customer('Offline Cache'); // register + login work too
    const reads = await Promise.all(
      Array.from({ length: 10 }, () => stack.request('GET', `/api/products/${p.id}`, { token: customer.token })),
    );
    for (const r of reads) {
      expect(r.status).toBe(200);
      expect(r.headers.get('x-cache')).toBe('MISS');
      expect(r.body).toEqual(p);
    }
    expect((await stack.request('GET', '/api/products?limit=3')).status).toBe(200);

    // A write while Redis is down: the database changes, the invalidation cannot happen now.
    // Under an Idempotency-Key, so the test knows the write's ID, which names its purge.
    const key = `outage-${randomUUID()}`;
    const put = await timed(() =>
      stack.request('PUT', `/api/products/${p.id}`, {
        token: admin,
        body: { name: 'Renamed during the outage' },
        headers: { 'Idempotency-Key': key },
      }),
    );
    expect(put.value.status).toBe(200);
    expect(put.ms).toBeLessThan(5000);
    const during = await stack.request('GET', `/api/products/${p.id}`);
    expect(during.status).toBe(200);
    expect(during.headers.get('x-cache')).toBe('MISS');
    expect(during.body.name).toBe('Renamed during the outage');
    // Redis still holds the old copy, and a purge workflow is retrying to remove it.
    expect(await direct.get(productCacheKey(p.id))).toContain(p.name);
    const purge = stack.api.temporal.workflow.getHandle(
      productCachePurgeWorkflowId(p.id, productWriteIdFor(stack.api.tokens.verify(admin)!.sub, key)),
    );
    expect((await purge.describe()).status.name).toBe('RUNNING');

    proxy.restore();
    await eventually(
      async () => stack.api.redis!.status,
      (s) => s === 'ready',
      10_000,
    );
    // This gateway saw the outage: it revalidates what was cached before it, never serving the old name.
    const after = await stack.request('GET', `/api/products/${p.id}`);
    expect(after.status).toBe(200);
    expect(after.body.name).toBe('Renamed during the outage');
    const purged = await timed(() => purge.result());
    expect(purged.value).toEqual({ purged: true });
    const cached = await direct.get(productCacheKey(p.id));
    expect(cached === null || !cached.includes(p.name)).toBe(true);
    const settled = await stack.request('GET', `/api/products/${p.id}`);
    expect(settled.body.name).toBe('Renamed during the outage');
    console.log(
      `redis down (reset): 10 reads → ${reads.map((r) => r.status).join(',')} all MISS; PUT → ${put.value.status} in ${put.ms} ms; purge workflow completed ${purged.ms} ms after Redis came back`,
    );
  }, 60_000);

  it('a Redis partition costs one bounded wait, then the breaker skips the cache', async () => {
    const p = await create(stack, admin);
    await stack.request('GET', `/api/products/${p.id}`);
    const errorsBefore = productReadModelFor(stack.api).stats.cacheErrors;
    proxy.cut('blackhole');
    try {
      const first = await timed(() => stack.request('GET', `/api/products/${p.id}`));
      const next = await timed(() => stack.request('GET', `/api/products/${p.id}`));
      for (const r of [first, next]) {
        expect(r.value.status).toBe(200);
        expect(r.value.body).toEqual(p);
      }
      // The read path waits for Redis once (its 1 s command timeout), then its breaker skips
      // the cache. (The rate limiter's own Redis call still costs each request its timeout.)
      expect(productReadModelFor(stack.api).stats.cacheErrors - errorsBefore).toBe(1);
      expect(first.ms).toBeLessThan(3000);
      expect(next.ms).toBeLessThan(first.ms - 500);
      expect(next.value.headers.get('x-cache')).toBe('MISS');
      console.log(
        `redis partitioned (blackhole): first read ${first.ms} ms (${first.value.headers.get('x-cache')}), next ${next.ms} ms (MISS)`,
      );
    } finally {
      proxy.restore();
    }
  });
});

describe('Redis unreachable from the start (closed port)', () => {
  let stack: Stack;
  let admin: string;

  beforeAll(async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    stack = await startStack({ env: { REDIS_URL: `redis://127.0.0.1:${closed}/0` } });
    admin = await stack.adminToken();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('the catalog works: writes 201/200/204, reads 200 MISS, no 5xx', async () => {
    const p = await create(stack, admin);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await stack.request('GET', `/api/products/${p.id}`);
      statuses.push(r.status);
      expect(r.headers.get('x-cache')).toBe('MISS');
      expect(r.body).toEqual(p);
    }
    const put = await stack.request('PUT', `/api/products/${p.id}`, { token: admin, body: { stock: 9 } });
    expect(put.status).toBe(200);
    expect((await stack.request('GET', `/api/products/${p.id}`)).body.stock).toBe(9);
    const list = await stack.request('GET', `/api/products?q=${encodeURIComponent(p.name)}`);
    expect(list.body.items.map((x: { id: string }) => x.id)).toEqual([p.id]);
    expect((await stack.request('DELETE', `/api/products/${p.id}`, { token: admin })).status).toBe(204);
    expect((await stack.request('GET', `/api/products/${p.id}`)).status).toBe(404);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const metrics = await stack.request('GET', '/metrics');
    expect(metrics.body).toMatch(/shop_cache_requests_total\{result="error"[^}]*\} [1-9]/);
    expect(metrics.body).not.toMatch(/status_code="5\d\d"/);
  });
});
