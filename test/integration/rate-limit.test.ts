// Rate limits against the real Redis store: the general limit and the stricter login limit
// keyed by IP and e-mail, both answering 429 problem+json with Retry-After.
import { randomUUID } from 'node:crypto';
import { parseConfig } from '../../common/config';
import { createLogger } from '../../common/logger';
import { createRedis, redisReady } from '../../common/redis';
import { type Stack, startStack } from '../support/stack';
import { TcpProxy } from '../support/tcp-proxy';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    domains: [],
    env: {
      RATE_LIMIT_MAX: '15',
      RATE_LIMIT_WINDOW_MS: '60000',
      LOGIN_RATE_LIMIT_MAX: '3',
      LOGIN_RATE_LIMIT_WINDOW_MS: '60000',
      REDIS_KEY_PREFIX: `rl-${randomUUID()}:`,
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

it('the gateway starts on a connected Redis, so its first requests already count in the shared store; a Redis that is down delays startup only by a bounded wait', async () => {
  expect(stack.api.redis?.status).toBe('ready');
  const closed = await TcpProxy.start({ targetPort: 6379 });
  closed.cut('reset');
  const dead = createRedis(
    parseConfig({ ...process.env, REDIS_URL: `redis://127.0.0.1:${closed.port}/0` }),
    createLogger({ test: true }, 'silent'),
  )!;
  const started = Date.now();
  try {
    expect(await redisReady(dead, 300)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1500);
  } finally {
    dead.disconnect();
    await closed.close();
  }
});

it('limits login attempts per IP and e-mail with 429 and Retry-After, other e-mails unaffected', async () => {
  const email = `victim-${randomUUID()}@example.test`;
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++)
    statuses.push(
      (await stack.request('POST', '/api/users/login', { body: { email, password: 'guess-' + i } })).status,
    );
  expect(statuses).toEqual([401, 401, 401, 429, 429]);
  const limited = await stack.request('POST', '/api/users/login', { body: { email, password: 'guess' } });
  expect(limited.status).toBe(429);
  expect(limited.headers.get('content-type')).toContain('application/problem+json');
  expect(limited.body.code).toBe('RATE_LIMITED');
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  // RateLimit-Reset in delta-seconds (the draft's form, as the general limit sends it), not the
  // Redis store's epoch seconds.
  const reset = Number(limited.headers.get('ratelimit-reset'));
  expect({ reset, inWindow: Number.isInteger(reset) && reset >= 0 && reset <= 60 }).toEqual({ reset, inWindow: true });
  const other = await stack.request('POST', '/api/users/login', {
    body: { email: `other-${randomUUID()}@example.test`, password: 'guess' },
  });
  expect(other.status).toBe(401);
});

it('applies the general limit to the API but never to health probes', async () => {
  const results: number[] = [];
  for (let i = 0; i < 20; i++) results.push((await stack.request('GET', '/api/users/me')).status);
  expect(results).toContain(429);
  expect(results.filter((s) => s === 429).length).toBeGreaterThanOrEqual(5);
  expect((await stack.request('GET', '/healthz')).status).toBe(200);
});

describe('while Redis is unreachable', () => {
  let outage: Stack;
  let proxy: TcpProxy;
  beforeAll(async () => {
    proxy = await TcpProxy.start({ targetPort: 6379 });
    outage = await startStack({
      domains: [],
      env: {
        REDIS_URL: `redis://127.0.0.1:${proxy.port}/0`,
        RATE_LIMIT_MAX: '8',
        REDIS_KEY_PREFIX: `rl-${randomUUID()}:`,
      },
    });
  });
  afterAll(async () => {
    await outage?.stop();
    await proxy?.close();
  });

  it.each(['reset', 'blackhole'] as const)(
    'falls back to in-process limits, never 5xx (Redis %s)',
    async (mode) => {
      proxy.cut(mode);
      const statuses: number[] = [];
      const started = Date.now();
      for (let i = 0; i < 12; i++) statuses.push((await outage.request('GET', '/api/products?limit=1')).status);
      const elapsed = Date.now() - started;
      proxy.restore();
      expect(statuses.filter((s) => s >= 500)).toEqual([]);
      // The in-process limiter took over: the limit still holds.
      expect(statuses).toContain(429);
      // A hanging Redis costs one command timeout, then the breaker skips it.
      expect(elapsed).toBeLessThan(6000);
      await new Promise((r) => setTimeout(r, 5200)); // breaker window, so the next case starts fresh
    },
    30_000,
  );
});
