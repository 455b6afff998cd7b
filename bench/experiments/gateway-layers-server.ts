// The gateway's catalog read rebuilt layer by layer from the real middleware (api/middleware/*,
// the real products router and read model), one Koa app per layer, each on its own port, all
// in this one process: layer k = layer k-1 + one more piece, in the order api/app.ts uses.
// The last layer is createApp(deps) itself, so the ladder can be checked against the real app.
// Env: the shop's (MYSQL_URL, REDIS_URL, TEMPORAL_ADDRESS...), BENCH_PRODUCT_JSON.
// Prints `ready <port0> <port1> ...`.
import { bodyParser } from '@koa/bodyparser';
import cors from '@koa/cors';
import Router from '@koa/router';
import Koa from 'koa';
import helmet from 'koa-helmet';
import { createApiDeps } from '../../api/api-deps';
import { createApp } from '../../api/app';
import type { ShopState } from '../../api/context';
import { errorHandler } from '../../api/middleware/error-handler';
import { httpMetrics } from '../../api/middleware/metrics';
import { rateLimit } from '../../api/middleware/rate-limit';
import { requestContext } from '../../api/middleware/request-context';
import { ProblemError } from '../../api/problem';
import { productsRouter } from '../../api/catalog/catalog.routes';
import { getConfig } from '../../common/config';
import { rootLogger } from '../../common/logger';
import { businessMetrics } from '../../common/metrics';

export const LAYERS = [
  'bare Koa + @koa/router (the baseline)',
  '+ request context: request ID, child logger, access log line, AsyncLocalStorage log context',
  '+ error handler (problem+json)',
  '+ helmet (security headers)',
  '+ CORS',
  '+ HTTP metrics (prom-client histogram)',
  '+ rate limit (koa-ratelimit, Redis sliding window: one Lua call)',
  '+ content-type check and JSON body parser',
  '+ the real product route: optional auth, zod params, read model (Redis MGET, decode)',
  'the gateway app itself (createApp: five routers, allowedMethods)',
];

async function main(): Promise<void> {
  const config = getConfig();
  const log = rootLogger().child({ component: 'api' });
  const deps = await createApiDeps(config, log);
  const metrics = businessMetrics(deps.metrics);
  const product = JSON.parse(process.env.BENCH_PRODUCT_JSON ?? '{}') as { id: string };

  // The same pieces, with the same arguments, as api/app.ts.
  const pieces: Koa.Middleware<ShopState>[] = [
    requestContext(deps.log),
    errorHandler(),
    helmet() as unknown as Koa.Middleware<ShopState>,
    cors({
      origin: (ctx) =>
        deps.config.CORS_ORIGINS.includes('*')
          ? '*'
          : deps.config.CORS_ORIGINS.includes(ctx.get('Origin'))
            ? ctx.get('Origin')
            : '',
      exposeHeaders: ['Location', 'X-Request-Id', 'X-Cache', 'Retry-After'],
    }) as unknown as Koa.Middleware<ShopState>,
    httpMetrics(metrics),
    rateLimit({
      name: 'api',
      max: deps.config.RATE_LIMIT_MAX,
      durationMs: deps.config.RATE_LIMIT_WINDOW_MS,
      id: (ctx) => (ctx.path.startsWith('/api/') ? ctx.ip : false),
      redis: deps.redis,
      rejections: metrics.rateLimited,
    }),
    async (ctx, next) => {
      const hasBody = Number(ctx.get('Content-Length') || 0) > 0 || ctx.get('Transfer-Encoding') !== '';
      if (['POST', 'PUT', 'PATCH'].includes(ctx.method) && hasBody && !ctx.is('application/json', '+json')) {
        throw new ProblemError(
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          'Unsupported media type',
          'Send the body as application/json',
        );
      }
      return next();
    },
    bodyParser({
      enableTypes: ['json'],
      jsonLimit: deps.config.BODY_LIMIT,
      jsonStrict: true,
      encoding: 'utf-8',
    }) as unknown as Koa.Middleware<ShopState>,
  ];

  const apps: Koa<ShopState>[] = [];
  for (let k = 0; k < LAYERS.length - 1; k++) {
    const app = new Koa<ShopState>({ proxy: deps.config.TRUST_PROXY });
    for (const mw of pieces.slice(0, Math.min(k, pieces.length))) app.use(mw);
    if (k < LAYERS.length - 2) {
      const router = new Router<ShopState>();
      router.get('/api/products/:id', (ctx) => {
        ctx.body = product;
      });
      app.use(router.routes());
    } else {
      const router = productsRouter(deps);
      app.use(router.routes());
      app.use(router.allowedMethods({ throw: true }));
    }
    apps.push(app);
  }
  apps.push(createApp(deps));

  const ports = await Promise.all(
    apps.map(
      (app) =>
        new Promise<number>((resolve) => {
          const server = app.listen(0, '127.0.0.1', () => {
            const a = server.address();
            resolve(typeof a === 'object' && a ? a.port : 0);
          });
        }),
    ),
  );
  process.stdout.write(`ready ${ports.join(' ')}\n`);
  const stop = () => void deps.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
