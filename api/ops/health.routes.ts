// Liveness, readiness and the gateway's Prometheus metrics. Readiness says whether this instance
// can serve, not whether every dependency is healthy: with Redis down it serves from MySQL with
// per-instance limits, with MySQL down cached reads (STALE), with Temporal down reads and login.
// Failing readiness on a shared dependency would take every gateway out of the load balancer at
// once and turn a partial outage into a total one, so each dependency is reported, never fatal.
import Router from '@koa/router';
import type { ApiDeps, ShopState } from '../context';

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref()),
  ]);

export async function checkDependencies(deps: ApiDeps): Promise<Record<string, 'up' | `degraded: ${string}`>> {
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

export function healthRouter(deps: ApiDeps): Router<ShopState> {
  const router = new Router<ShopState>();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const checks = await checkDependencies(deps);
    const healthy = Object.values(checks).every((v) => v === 'up');
    ctx.body = { status: healthy ? 'ready' : 'degraded', checks };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = deps.metrics.contentType;
    ctx.body = await deps.metrics.metrics();
  });
  return router;
}
