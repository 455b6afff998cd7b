// Liveness, readiness and the gateway's Prometheus metrics. Readiness says whether this instance
// can serve, not whether every dependency is healthy: with Redis down it serves from MySQL with
// per-instance limits, with MySQL down cached reads (STALE), with Temporal down reads and login.
// Failing readiness on a shared dependency would take every gateway out of the load balancer at
// once and turn a partial outage into a total one, so each dependency is reported, never fatal.
//
// /readyz is exempt from the rate limit (a probe must never be refused), so its checks are shared:
// concurrent requests join the one check in flight, and its result answers for READINESS_CACHE_MS
// (1 s) from the check's start. A flood of /readyz costs each backend (Temporal GetSystemInfo,
// SELECT 1, Redis PING) at most one round trip per READINESS_CACHE_MS per gateway (or per check, if
// a check takes longer), and a dependency that goes down shows within READINESS_CACHE_MS plus the
// check's own timeout (2 s).
import Router from '@koa/router';
import type { ApiDeps, ShopState } from '../context';

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref()),
  ]);

export type DependencyChecks = Record<string, 'up' | `degraded: ${string}`>;

export async function checkDependencies(deps: ApiDeps): Promise<DependencyChecks> {
  const checks: Record<string, Promise<unknown>> = {
    temporal: deps.temporal.workflowService.getSystemInfo({}),
    database: deps.dataSource.query('SELECT 1'),
  };
  if (deps.redis) checks.redis = deps.redis.ping();
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, p]) => {
      try {
        await withTimeout(p, 2000);
        return [name, 'up'] as const;
      } catch (err) {
        return [name, `degraded: ${(err as Error).message}`] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * `check`, shared: a call while one runs joins it, and a result answers every call for `cacheMs`
 * after its check started. A check that fails (it should not: each dependency reports its own
 * failure) is not kept.
 */
export function sharedCheck<T>(
  check: () => Promise<T>,
  cacheMs: number,
  now: () => number = Date.now,
): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  let last: { startedAt: number; result: T } | undefined;
  return () => {
    if (last && now() - last.startedAt < cacheMs) return Promise.resolve(last.result);
    if (!inFlight) {
      const startedAt = now();
      inFlight = check()
        .then((result) => {
          last = { startedAt, result };
          return result;
        })
        .finally(() => {
          inFlight = undefined;
        });
    }
    return inFlight;
  };
}

export function healthRouter(deps: ApiDeps, opts: { now?: () => number } = {}): Router<ShopState> {
  const router = new Router<ShopState>();
  const readiness = sharedCheck(() => checkDependencies(deps), deps.config.READINESS_CACHE_MS, opts.now);
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const checks = await readiness();
    const healthy = Object.values(checks).every((v) => v === 'up');
    ctx.body = { status: healthy ? 'ready' : 'degraded', checks };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = deps.metrics.contentType;
    ctx.body = await deps.metrics.metrics();
  });
  return router;
}
