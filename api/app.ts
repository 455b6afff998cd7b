// The gateway as a Koa app built from its dependencies (no listen: tests and main.ts decide).
// Middleware order: context → metrics → no-store for credentialed answers → errors → security
// headers/CORS → header-line limit → rate limit → Host and media type → body (bounded in size and
// time) → routes. What Node refuses before Koa (malformed HTTP, an unknown Expect, CONNECT) is answered in api/http-server.ts.
// Route handlers are validate → call (workflow or read path) → map.
import cors from '@koa/cors';
import type Router from '@koa/router';
import Koa from 'koa';
import helmet from 'koa-helmet';
import { businessMetrics } from '../common/metrics';
import type { ApiDeps, ShopContext, ShopState } from './context';
import { jsonBody } from './middleware/body';
import { clientKey } from './middleware/client-key';
import { MAX_HEADER_LINES } from './http-server';
import { errorHandler } from './middleware/error-handler';
import { httpMetrics } from './middleware/metrics';
import { localFirstRateLimit } from './middleware/local-rate-limit';
import { noStoreWithCredentials } from './middleware/no-store';
import { rateLimit } from './middleware/rate-limit';
import { requestContext } from './middleware/request-context';
import { ProblemError } from './problem';
import { cartsRouter } from './carts/carts.routes';
import { productsRouter } from './catalog/catalog.routes';
import { docsRouter } from './ops/docs.routes';
import { healthRouter } from './ops/health.routes';
import { ordersRouter } from './orders/orders.routes';
import { usersRouter } from './users/users.routes';
import { webhooksRouter } from './webhooks/webhooks.routes';

/** Every router of the gateway, in mounting order (the OpenAPI coverage test enumerates them). */
export function apiRouters(deps: ApiDeps): Router<ShopState>[] {
  return [
    healthRouter(deps),
    docsRouter(),
    usersRouter(deps),
    productsRouter(deps),
    ordersRouter(deps),
    cartsRouter(deps),
    webhooksRouter(deps),
  ];
}

const OPERATOR_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const isOperatorPath = (path: string) => OPERATOR_PATHS.has(path.toLowerCase().replace(/\/+$/, ''));

export function createApp(deps: ApiDeps): Koa<ShopState> {
  const app = new Koa<ShopState>({ proxy: deps.config.TRUST_PROXY, maxIpsCount: deps.config.TRUST_PROXY_HOPS });
  const metrics = businessMetrics(deps.metrics);

  app.use(requestContext(deps.log));
  // Outside the error handler, so it records the status the client really got.
  app.use(httpMetrics(metrics));
  // Per-caller answers are not stored by caches (unless the route set its own Cache-Control).
  app.use(noStoreWithCredentials());
  app.use(errorHandler());
  app.use(helmet());
  app.use(
    cors({
      origin: (ctx) =>
        deps.config.CORS_ORIGINS.includes('*')
          ? '*'
          : deps.config.CORS_ORIGINS.includes(ctx.get('Origin'))
            ? ctx.get('Origin')
            : '',
      exposeHeaders: ['Location', 'X-Request-Id', 'X-Cache', 'ETag', 'Retry-After', 'Idempotent-Replayed'],
    }),
  );
  app.use(async (ctx, next) => {
    // At the limit, Node may have dropped lines past it (api/http-server.ts): refuse rather than
    // serve a request whose headers were cut short. Before the rate limit, which keys on them.
    if (ctx.req.rawHeaders.length / 2 >= MAX_HEADER_LINES)
      throw new ProblemError(
        431,
        'HEADERS_TOO_LARGE',
        'Request header fields too large',
        `A request may have fewer than ${MAX_HEADER_LINES} header lines`,
      );
    return next();
  });
  const generalLimit = {
    name: 'api',
    max: deps.config.RATE_LIMIT_MAX,
    durationMs: deps.config.RATE_LIMIT_WINDOW_MS,
    // Every request is counted, whatever the spelling of its path (routes match case-insensitively
    // and with a trailing slash); operators' probes and scrapes are the one exception. The client
    // is its address, an IPv6 one per /64 (api/middleware/client-key.ts).
    id: (ctx: ShopContext) => (isOperatorPath(ctx.path) ? false : clientKey(ctx.ip)),
    redis: deps.redis,
    rejections: metrics.rateLimited,
  };
  // Local first (no Redis round trip per request; cluster-wide within a documented bound), or
  // exact with RATE_LIMIT_SYNC_MS=0. The login limits stay exact (api/users/users.routes.ts).
  app.use(
    deps.config.RATE_LIMIT_SYNC_MS > 0
      ? localFirstRateLimit({ ...generalLimit, syncMs: deps.config.RATE_LIMIT_SYNC_MS })
      : rateLimit(generalLimit),
  );
  app.use(async (ctx, next) => {
    // RFC 9112 §3.2: an HTTP/1.1 request without Host is refused (Node's own check is off, see
    // api/http-server.ts, so that the refusal is problem+json).
    if (ctx.req.httpVersion === '1.1' && ctx.req.headers.host === undefined)
      throw new ProblemError(400, 'MALFORMED_REQUEST', 'Malformed request', 'An HTTP/1.1 request needs a Host header');
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
  });
  app.use(jsonBody({ limit: deps.config.BODY_LIMIT, timeoutMs: deps.config.REQUEST_BODY_TIMEOUT_MS }));

  for (const router of apiRouters(deps)) {
    app.use(router.routes());
    app.use(router.allowedMethods({ throw: true }));
  }
  return app;
}
