// The local-first general limit on the real Redis: the gateway makes no Redis round trip of its
// own per request for it; two instances sharing Redis stay within the limit plus the documented
// bound (instances × batch); with Redis reset or black-holed, the local limit still holds.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Counter, Registry } from 'prom-client';
import { localFirstRateLimit } from '../../api/middleware/local-rate-limit';
import { parseConfig } from '../../common/config';
import { createLogger } from '../../common/logger';
import { createRedis, redisReady } from '../../common/redis';
import type { Stack } from '../support/stack';
import {
  type CapturedGateway,
  countRedisCommand as count,
  startGatewayWithCapturedRedis,
} from '../support/captured-redis';
import { TcpProxy } from '../support/tcp-proxy';

const rejections = () =>
  new Counter({ name: 'rl_it', help: 'x', labelNames: ['limiter'], registers: [new Registry()] });

async function redisClient(prefix: string, port = 6379): Promise<Redis> {
  const redis = createRedis(
    parseConfig({ ...process.env, REDIS_URL: `redis://127.0.0.1:${port}/0`, REDIS_KEY_PREFIX: prefix }),
    createLogger({ test: true }, 'silent'),
  )!;
  await redisReady(redis, 2000);
  return redis;
}

/** Waits, if need be, so that the next `needMs` fall inside one window of `durationMs`. */
async function inOneWindow(durationMs: number, needMs: number) {
  const left = durationMs - (Date.now() % durationMs);
  if (left < needMs) await new Promise((r) => setTimeout(r, left + 50));
}

describe('the gateway', () => {
  let gateway: CapturedGateway;
  let stack: Stack;
  let proxy: TcpProxy;
  beforeAll(async () => {
    gateway = await startGatewayWithCapturedRedis({ RATE_LIMIT_MAX: '1000' });
    ({ stack, proxy } = gateway);
  });
  afterAll(() => gateway?.stop());

  it('makes no Redis round trip per request for the general limit: its counts go in batches', async () => {
    const before = proxy.captureText().length;
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) statuses.push((await stack.request('GET', '/api/users/me')).status);
    await new Promise((r) => setTimeout(r, 300)); // the last batch
    const sent = proxy.captureText().slice(before);
    expect(statuses.filter((s) => s === 429)).toEqual([]);
    // koa-ratelimit's Redis store runs its script once per request (EVALSHA).
    expect(count(sent, 'EVALSHA') + count(sent, 'evalsha')).toBe(0);
    const incrby = count(sent, 'incrby') + count(sent, 'INCRBY');
    expect(incrby).toBeGreaterThan(0);
    expect(incrby).toBeLessThan(25);
  });
});

describe('two limiter instances sharing Redis', () => {
  const prefix = `lrl-${randomUUID()}:`;
  let redisA: Redis;
  let redisB: Redis;
  beforeAll(async () => {
    redisA = await redisClient(prefix);
    redisB = await redisClient(prefix);
  });
  afterAll(() => {
    // Its keys expire with their window.
    redisA.disconnect();
    redisB.disconnect();
  });

  it('together stay within max + 2 × batch, refuse nobody below max, and lose no count', async () => {
    const max = 200;
    const opts = { name: 'api', max, durationMs: 60_000, syncMs: 100, id: () => '198.51.100.7' };
    const a = localFirstRateLimit({ ...opts, redis: redisA, rejections: rejections() });
    const b = localFirstRateLimit({ ...opts, redis: redisB, rejections: rejections() });
    try {
      await inOneWindow(60_000, 10_000);
      let allowed = 0;
      // Bursts of parallel requests, half on each instance, with the sync timer running between.
      for (let burst = 0; burst < 30; burst++) {
        const verdicts = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).limiter.hit('198.51.100.7')),
        );
        allowed += verdicts.filter((v) => v.allowed).length;
        await new Promise((r) => setTimeout(r, 20));
      }
      await Promise.all([a.limiter.sync(), b.limiter.sync()]);
      const batch = Math.ceil(max / 10);
      expect(allowed).toBeGreaterThanOrEqual(max);
      expect(allowed).toBeLessThanOrEqual(max + 2 * batch);
      const window = Math.floor(Date.now() / 60_000);
      expect(Number(await redisA.get(`limit:local:api:198.51.100.7:${window}`))).toBe(allowed);
      // Both know the cluster total now: neither admits more in this window.
      expect((await a.limiter.hit('198.51.100.7')).allowed).toBe(false);
      expect((await b.limiter.hit('198.51.100.7')).allowed).toBe(false);
    } finally {
      a.limiter.close();
      b.limiter.close();
    }
  });
});

describe('while Redis is unreachable', () => {
  it.each(['reset', 'blackhole'] as const)(
    'the local limit still holds and no hit fails (Redis %s)',
    async (mode) => {
      const proxy = await TcpProxy.start({ targetPort: 6379 });
      const redis = await redisClient(`lrl-${randomUUID()}:`, proxy.port);
      const l = localFirstRateLimit({
        name: 'api',
        max: 8,
        durationMs: 60_000,
        syncMs: 100,
        id: () => 'x',
        redis,
        rejections: rejections(),
      });
      try {
        await inOneWindow(60_000, 10_000);
        const before = await Promise.all([1, 2, 3].map(() => l.limiter.hit('203.0.113.9')));
        await l.limiter.sync();
        proxy.cut(mode);
        const started = Date.now();
        const during: boolean[] = [];
        for (let i = 0; i < 12; i++) during.push((await l.limiter.hit('203.0.113.9')).allowed);
        expect(before.every((v) => v.allowed)).toBe(true);
        expect(during.filter(Boolean).length).toBe(5);
        expect(during.slice(5).every((v) => !v)).toBe(true);
        // A hanging Redis costs at most one command timeout (then the breaker skips it).
        expect(Date.now() - started).toBeLessThan(3000);
      } finally {
        l.limiter.close();
        redis.disconnect();
        await proxy.close();
      }
    },
    30_000,
  );
});
