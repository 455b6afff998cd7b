// /readyz (api/ops/health.routes.ts) is unlimited (probes must never be refused), so its
// dependency checks are shared: concurrent requests join the one check in flight, and its result
// answers for READINESS_CACHE_MS. A flood costs the backends a few round trips, and readiness still
// turns within that bound when a dependency goes down. Fake dependencies and a fake clock.
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { ApiDeps, ShopState } from '../../api/context';
import { healthRouter } from '../../api/ops/health.routes';
import { parseConfig } from '../../common/config';

/** Dependencies that count their round trips; `redisDown` makes PING fail. */
function fakeDeps(cacheMs: number) {
  const calls = { temporal: 0, database: 0, redis: 0 };
  const state = { redisDown: false };
  const deps = {
    config: parseConfig({ READINESS_CACHE_MS: String(cacheMs) }),
    temporal: {
      workflowService: {
        getSystemInfo: async () => {
          calls.temporal++;
          await new Promise((r) => setTimeout(r, 20)); // a round trip: concurrent requests overlap it
          return {};
        },
      },
    },
    dataSource: {
      query: async () => {
        calls.database++;
        return [{ 1: 1 }];
      },
    },
    redis: {
      ping: async () => {
        calls.redis++;
        if (state.redisDown) throw new Error('Connection is closed.');
        return 'PONG';
      },
    },
  } as unknown as ApiDeps;
  return { deps, calls, state };
}

async function serve(deps: ApiDeps, now: () => number) {
  const app = new Koa<ShopState>();
  app.use(healthRouter(deps, { now }).routes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const readyz = async () => {
    const res = await fetch(`${url}/readyz`);
    return { http: res.status, ...((await res.json()) as { status: string; checks: Record<string, string> }) };
  };
  return { readyz, close: () => new Promise((r) => server.close(r)) };
}

describe('/readyz', () => {
  it('a flood of concurrent requests costs one round trip per dependency, answered alike', async () => {
    const { deps, calls } = fakeDeps(1000);
    const clock = { t: 1_000_000 };
    const server = await serve(deps, () => clock.t);
    try {
      const answers = await Promise.all(Array.from({ length: 50 }, () => server.readyz()));
      expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
      expect(answers[0]).toEqual({
        http: 200,
        status: 'ready',
        checks: { temporal: 'up', database: 'up', redis: 'up' },
      });
      expect(calls).toEqual({ temporal: 1, database: 1, redis: 1 });
    } finally {
      await server.close();
    }
  });

  it('serves the last result for READINESS_CACHE_MS, then checks again: a dependency that went down shows within that bound', async () => {
    const { deps, calls, state } = fakeDeps(1000);
    const clock = { t: 1_000_000 };
    const server = await serve(deps, () => clock.t);
    try {
      expect((await server.readyz()).checks.redis).toBe('up');
      state.redisDown = true;
      clock.t += 999; // still within the cache: the earlier answer, no round trip
      expect((await server.readyz()).checks.redis).toBe('up');
      expect(calls.redis).toBe(1);
      clock.t += 1; // READINESS_CACHE_MS after the check started: checked again
      const down = await server.readyz();
      // Degraded, still serving (the documented policy).
      expect(down).toEqual({
        http: 200,
        status: 'degraded',
        checks: { temporal: 'up', database: 'up', redis: 'degraded: Connection is closed.' },
      });
      expect(calls).toEqual({ temporal: 2, database: 2, redis: 2 });
      // ...and back up the same way.
      state.redisDown = false;
      clock.t += 1000;
      expect((await server.readyz()).checks.redis).toBe('up');
      expect(calls.redis).toBe(3);
    } finally {
      await server.close();
    }
  });

  it('with READINESS_CACHE_MS=0 checks on every request that finds no check in flight', async () => {
    const { deps, calls } = fakeDeps(0);
    const server = await serve(deps, () => 1_000_000);
    try {
      await server.readyz();
      await server.readyz();
      expect(calls.redis).toBe(2);
      await Promise.all(Array.from({ length: 10 }, () => server.readyz()));
      expect(calls.redis).toBe(3);
    } finally {
      await server.close();
    }
  });
});
