// Found by the outside review of session 6 (the local-first general rate limit), on the real
// gateway, MariaDB and Redis. Each test failed when written: they state the fixed behaviour.
//
// 1. IPv6 clients are keyed per /128 address: one host holds a whole /64 (2^64 addresses), so
//    rotating the low bits gives a fresh budget per request. Keyed per /64, as is usual for IPv6.
// 2. The exempt operator paths are unlimited and /readyz makes a round trip to every dependency
//    (Temporal, MySQL, Redis) per request: an anonymous flood of /readyz is amplified into the
//    shared backends, past any rate limit.
import { randomUUID } from 'node:crypto';
import { type Stack, startStack } from '../support/stack';
import { eventually } from '../support/eventually';
import {
  type CapturedGateway,
  countRedisCommand as count,
  startGatewayWithCapturedRedis,
} from '../support/captured-redis';
import type { TcpProxy } from '../support/tcp-proxy';

describe('the general limit keyed on the client address (TRUST_PROXY, one proxy hop)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      domains: [],
      env: {
        RATE_LIMIT_MAX: '5',
        TRUST_PROXY: 'true',
        TRUST_PROXY_HOPS: '1',
        REDIS_KEY_PREFIX: `rs6-${randomUUID()}:`,
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const get = (forwardedFor: string) =>
    stack.request('GET', '/api/products?limit=1', { headers: { 'X-Forwarded-For': forwardedFor } });

  it('an IPv6 client cannot get a fresh budget by rotating addresses inside its own /64', async () => {
    // Sanity: one address is limited (the limit works at all).
    const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:1`;
    const one: number[] = [];
    for (let i = 0; i < 7; i++) one.push((await get(`${prefix}::1`)).status);
    expect(one.filter((s) => s === 429).length).toBe(2);

    // The same host (same /64) with other interface identifiers: its budget is spent.
    const rotated: number[] = [];
    for (let i = 2; i < 22; i++) rotated.push((await get(`${prefix}::${i.toString(16)}`)).status);
    expect(rotated.filter((s) => s !== 429)).toEqual([]);
  });

  it('a 429 is problem+json with Retry-After, and RateLimit-Reset is delta-seconds (draft-ietf-httpapi-ratelimit-headers), not an epoch', async () => {
    const client = `198.51.100.${1 + Math.floor(Math.random() * 250)}`;
    let last = await get(client);
    for (let i = 0; i < 6 && last.status !== 429; i++) last = await get(client);
    expect(last.status).toBe(429);
    const windowS = stack.config.RATE_LIMIT_WINDOW_MS / 1000;
    const retryAfter = Number(last.headers.get('retry-after'));
    const reset = Number(last.headers.get('ratelimit-reset'));
    expect({
      type: last.headers.get('content-type'),
      code: last.body.code,
      retryAfterInWindow: retryAfter >= 1 && retryAfter <= windowS,
      remaining: last.headers.get('ratelimit-remaining'),
      // The draft's RateLimit-Reset: seconds until the quota resets (now: the window's end as epoch
      // seconds, about 1.8e9, which a client following the draft reads as a wait of ~57 years).
      resetIsDeltaSeconds: reset >= 0 && reset <= windowS,
    }).toEqual({
      type: 'application/problem+json',
      code: 'RATE_LIMITED',
      retryAfterInWindow: true,
      remaining: '0',
      resetIsDeltaSeconds: true,
    });
  });
});

describe('the exempt operator paths', () => {
  let gateway: CapturedGateway;
  let stack: Stack;
  let proxy: TcpProxy;
  beforeAll(async () => {
    gateway = await startGatewayWithCapturedRedis({ RATE_LIMIT_MAX: '5' });
    ({ stack, proxy } = gateway);
  });
  afterAll(() => gateway?.stop());

  it('a flood of anonymous /readyz is not amplified into one dependency round trip per request', async () => {
    const before = proxy.captureText().length;
    const statuses = await Promise.all(Array.from({ length: 50 }, () => stack.request('GET', '/readyz')));
    const pings = count(proxy.captureText().slice(before).toUpperCase(), 'PING');
    // Exempt from the limit (by design: probes must never be refused)...
    expect(statuses.filter((r) => r.status === 429)).toEqual([]);
    // ...so each request must not cost the shared backends a round trip of its own: 50 anonymous
    // requests, 50 PINGs to Redis (and as many SELECT 1 and GetSystemInfo). A cached readiness
    // (say for a second) would send a handful.
    expect(pings).toBeLessThanOrEqual(5);
  });

  it('readiness still turns while cached: Redis cut shows as degraded (still 200), and up again once it is back', async () => {
    // Within READINESS_CACHE_MS plus the check's own timeout (test/unit/health-routes.test.ts
    // holds the bound on a fake clock; here only that the real check turns both ways).
    const redisState = async () => {
      const res = await stack.request('GET', '/readyz');
      return { status: res.status, ready: res.body.status as string, redis: String(res.body.checks.redis) };
    };
    expect(await redisState()).toEqual({ status: 200, ready: 'ready', redis: 'up' });
    proxy.cut('reset');
    try {
      const down = await eventually(async () => {
        const s = await redisState();
        return s.redis === 'up' ? undefined : s;
      }, 'readiness to report Redis down');
      expect(down).toEqual({ status: 200, ready: 'degraded', redis: expect.stringMatching(/^degraded: /) });
    } finally {
      proxy.restore();
    }
    expect(
      await eventually(async () => {
        const s = await redisState();
        return s.redis === 'up' ? s : undefined;
      }, 'readiness to report Redis up again'),
    ).toEqual({ status: 200, ready: 'ready', redis: 'up' });
  });
});
