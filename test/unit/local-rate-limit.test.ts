// The local-first general limit (api/middleware/local-rate-limit.ts) on a fake clock, with an
// in-memory stand-in for the shared counts: it decides without a shared round trip per hit,
// sends its counts in batches, stays within the documented bound across instances, holds the
// limit locally when the shared store fails, keeps bounded memory, and answers as koa-ratelimit did.
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { Counter, Registry } from 'prom-client';
import { LocalFirstLimiter, type SharedCounts, localFirstRateLimit } from '../../api/middleware/local-rate-limit';
import { rateLimit, resetDeltaSeconds, retryAfterSeconds } from '../../api/middleware/rate-limit';

/** What Redis does for the limiter: INCRBY per key, totals back. */
class FakeShared implements SharedCounts {
  readonly counts = new Map<string, number>();
  calls = 0;
  up = true;
  available() {
    return true;
  }
  async add(batch: readonly { key: string; delta: number }[]) {
    this.calls++;
    await Promise.resolve();
    if (!this.up) throw new Error('connection reset');
    return batch.map(({ key, delta }) => {
      const total = (this.counts.get(key) ?? 0) + delta;
      this.counts.set(key, total);
      return total;
    });
  }
}

const clock = { t: 1_700_000_000_000 - (1_700_000_000_000 % 60_000) + 1000 };
const now = () => clock.t;
const limiters: LocalFirstLimiter[] = [];
function limiter(opts: Partial<ConstructorParameters<typeof LocalFirstLimiter>[0]> = {}) {
  const l = new LocalFirstLimiter({
    max: 10,
    durationMs: 60_000,
    syncMs: 1e9,
    batch: 3,
    keyPrefix: 't:',
    now,
    ...opts,
  });
  limiters.push(l);
  return l;
}
afterEach(() => {
  for (const l of limiters.splice(0)) l.close();
});

async function allowedOf(l: LocalFirstLimiter, id: string, n: number): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push((await l.hit(id)).allowed);
  return out;
}

describe('local-first rate limiter', () => {
  it('alone, is exact: max hits per window, then refusals until the window ends', async () => {
    const l = limiter();
    expect(await allowedOf(l, 'a', 12)).toEqual([...Array(10).fill(true), false, false]);
    expect((await l.hit('b')).allowed).toBe(true);
    clock.t += 60_000;
    expect(await allowedOf(l, 'a', 10)).toEqual(Array(10).fill(true));
  });

  it('sends its counts in batches, not one round trip per hit', async () => {
    const shared = new FakeShared();
    const l = limiter({ max: 1_000_000, batch: 100_000, shared });
    await Promise.all(Array.from({ length: 1000 }, (_, i) => l.hit(`k${i % 4}`)));
    expect(shared.calls).toBe(0);
    await l.sync();
    expect(shared.calls).toBe(1);
    expect([...shared.counts.values()].reduce((a, b) => a + b, 0)).toBe(1000);
  });

  it('a key whose batch is full syncs at once: N hits cost about N / batch shared calls', async () => {
    const shared = new FakeShared();
    const l = limiter({ max: 1000, batch: 10, shared });
    await allowedOf(l, 'a', 100);
    expect(shared.calls).toBeGreaterThanOrEqual(9);
    expect(shared.calls).toBeLessThanOrEqual(11);
  });

  it('two instances sharing the counts stay within max + instances × batch, and refuse nobody below max', async () => {
    const shared = new FakeShared();
    const a = limiter({ max: 100, batch: 10, shared });
    const b = limiter({ max: 100, batch: 10, shared });
    const verdicts = await Promise.all(Array.from({ length: 400 }, (_, i) => (i % 2 ? a : b).hit('client')));
    await Promise.all([a.sync(), b.sync()]);
    const allowed = verdicts.filter((v) => v.allowed).length;
    expect(allowed).toBeGreaterThanOrEqual(100);
    expect(allowed).toBeLessThanOrEqual(100 + 2 * 10);
    // The next window starts afresh on both.
    clock.t += 60_000;
    expect((await a.hit('client')).allowed).toBe(true);
  });

  it('without sync each instance would admit max on its own: the shared counts are what hold two instances to one budget', async () => {
    const shared = new FakeShared();
    const a = limiter({ max: 50, batch: 5, shared });
    const b = limiter({ max: 50, batch: 5, shared });
    const aFirst = (await allowedOf(a, 'c', 60)).filter(Boolean).length;
    const bAfter = (await allowedOf(b, 'c', 60)).filter(Boolean).length;
    expect(aFirst).toBe(50);
    // b knows nothing until its first batch syncs: at most one batch gets through.
    expect(bAfter).toBeLessThanOrEqual(5);
  });

  it('when the shared store fails, the limit still holds locally, and the counts are sent once it is back', async () => {
    const shared = new FakeShared();
    const l = limiter({ max: 10, batch: 2, shared, breakerMs: 5000 });
    expect(await allowedOf(l, 'a', 4)).toEqual([true, true, true, true]);
    shared.up = false;
    const during = await allowedOf(l, 'a', 10);
    expect(during.filter(Boolean).length).toBe(6);
    expect(during.slice(6)).toEqual([false, false, false, false]);
    shared.up = true;
    clock.t += 5001;
    expect((await l.hit('a')).allowed).toBe(false);
    expect((await l.hit('fresh')).allowed).toBe(true);
    await l.sync();
    const key = [...shared.counts.keys()].find((k) => k.startsWith('t:a:'))!;
    // Every admitted hit of 'a' reached the shared count (none lost, none counted twice).
    expect(shared.counts.get(key)).toBe(10);
  });

  it('keeps at most maxKeys keys under a flood of distinct keys, and still limits each key', async () => {
    const l = limiter({ max: 3, maxKeys: 50, shared: new FakeShared() });
    for (let i = 0; i < 400; i++) await l.hit(`flood-${i}`);
    expect(l.keys).toBeLessThanOrEqual(50);
    expect(await allowedOf(l, 'victim', 5)).toEqual([true, true, true, false, false]);
  });

  it('drops windows that ended first', async () => {
    const l = limiter({ maxKeys: 10 });
    await l.hit('old-1');
    await l.hit('old-2');
    clock.t += 60_000;
    await l.hit('live');
    expect(l.keys).toBe(1);
  });
});

async function serve(...mws: Koa.Middleware[]) {
  const app = new Koa();
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const e = err as { status?: number; headers?: Record<string, string> };
      ctx.status = e.status ?? 500;
      ctx.set(e.headers ?? {});
    }
  });
  for (const mw of mws) app.use(mw);
  app.use((ctx) => {
    ctx.body = 'ok';
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((r) => server.close(r)) };
}

describe('local-first middleware', () => {
  it('answers like the koa-ratelimit one: RateLimit-* headers, 429 with Retry-After, the rejections counter', async () => {
    const registry = new Registry();
    const counter = (name: string) => new Counter({ name, help: 'x', labelNames: ['limiter'], registers: [registry] });
    const opts = { name: 'api', max: 3, durationMs: 60_000, id: () => 'one-client' };
    const local = localFirstRateLimit({ ...opts, syncMs: 100, rejections: counter('local_rejections') });
    const exact = rateLimit({ ...opts, rejections: counter('exact_rejections') });
    const servers = [await serve(local as never), await serve(exact as never)];
    try {
      const seen: {
        status: number;
        limit: string | null;
        remaining: string | null;
        retry: boolean;
        reset: number;
      }[][] = [[], []];
      for (const [i, { url }] of servers.entries())
        for (let n = 0; n < 5; n++) {
          const res = await fetch(url);
          seen[i].push({
            status: res.status,
            limit: res.headers.get('ratelimit-limit'),
            remaining: res.headers.get('ratelimit-remaining'),
            retry: Number(res.headers.get('retry-after')) > 0,
            reset: Number(res.headers.get('ratelimit-reset')),
          });
        }
      const shape = (s: (typeof seen)[0]) => s.map(({ reset: _reset, ...rest }) => rest);
      expect(shape(seen[0])).toEqual(shape(seen[1]));
      expect(seen[0].map((s) => s.status)).toEqual([200, 200, 200, 429, 429]);
      expect(seen[0].map((s) => s.remaining)).toEqual(['2', '1', '0', '0', '0']);
      // RateLimit-Reset is delta-seconds (draft-ietf-httpapi-ratelimit-headers), not the window's
      // end as an epoch: a whole number of seconds, at most the window away, from both limiters.
      for (const s of [...seen[0], ...seen[1]]) {
        expect(Number.isInteger(s.reset)).toBe(true);
        expect(s.reset).toBeGreaterThanOrEqual(0);
        expect(s.reset).toBeLessThanOrEqual(60);
      }
      const metrics = await registry.getMetricsAsJSON();
      const value = (name: string) => metrics.find((m) => m.name === name)?.values[0]?.value;
      expect(value('local_rejections')).toBe(2);
      expect(value('exact_rejections')).toBe(2);
    } finally {
      local.limiter.close();
      for (const s of servers) await s.close();
    }
  });
});

describe('RateLimit-Reset and Retry-After', () => {
  it('are delta-seconds, rounded up; Retry-After is at least 1 s, RateLimit-Reset never negative', () => {
    const now = 1_800_000_000_000;
    expect(resetDeltaSeconds(now + 60_000, now)).toBe(60);
    expect(resetDeltaSeconds(now + 59_001, now)).toBe(60);
    expect(resetDeltaSeconds(now + 200, now)).toBe(1);
    expect(resetDeltaSeconds(now - 5, now)).toBe(0);
    expect(retryAfterSeconds(now + 200, now)).toBe(1);
    expect(retryAfterSeconds(now - 5, now)).toBe(1);
    expect(retryAfterSeconds(now + 30_500, now)).toBe(31);
  });

  it('the same on two limiters in a row (general, then login); one that does not key a request leaves the headers as they were', async () => {
    const registry = new Registry();
    const rejections = new Counter({ name: 'chained', help: 'x', labelNames: ['limiter'], registers: [registry] });
    const general = localFirstRateLimit({
      name: 'api',
      max: 100,
      durationMs: 60_000,
      syncMs: 100,
      id: () => 'c',
      rejections,
    });
    const login = rateLimit({
      name: 'login',
      max: 2,
      durationMs: 60_000,
      id: (ctx) => (ctx.path === '/login' ? 'c' : false),
      rejections,
    });
    const server = await serve(general as never, login as never);
    try {
      const headers = async (path: string) => {
        const res = await fetch(server.url + path);
        return {
          status: res.status,
          limit: res.headers.get('ratelimit-limit'),
          reset: Number(res.headers.get('ratelimit-reset')),
          retryAfter: res.headers.get('retry-after') === null ? null : Number(res.headers.get('retry-after')),
        };
      };
      const seen = [await headers('/other'), await headers('/login'), await headers('/login'), await headers('/login')];
      expect(seen.map(({ status, limit }) => [status, limit])).toEqual([
        [200, '100'], // the login limiter passed it on untouched: the general limit's headers
        [200, '2'],
        [200, '2'],
        [429, '2'],
      ]);
      for (const s of seen) {
        expect(Number.isInteger(s.reset)).toBe(true);
        expect(s.reset).toBeGreaterThanOrEqual(1);
        expect(s.reset).toBeLessThanOrEqual(60);
      }
      expect(seen.slice(0, 3).map((s) => s.retryAfter)).toEqual([null, null, null]);
      expect(seen[3].retryAfter).toBeGreaterThanOrEqual(1);
      expect(seen[3].retryAfter).toBeLessThanOrEqual(60);
    } finally {
      general.limiter.close();
      await server.close();
    }
  });
});
