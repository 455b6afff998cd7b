// Answers to a request that carried credentials (an Authorization header) are the caller's own:
// their account, orders, cart, or a refusal that names them. Without a Cache-Control such an
// answer is heuristically cacheable by a browser's disk cache or a misconfigured shared cache, so
// it gets `Cache-Control: no-store`, unless the route chose its own (the catalog's HTTP cache
// answers a token holder `private, no-cache` with an ETag: revalidated on every use, and kept).
// Outside the error handler, so problem answers (401, 403, 404...) are covered as well.
import type { Middleware } from 'koa';
import type { ShopState } from '../context';

export function noStoreWithCredentials(): Middleware<ShopState> {
  return async (ctx, next) => {
    await next();
    if (ctx.get('Authorization') !== '' && !ctx.response.get('Cache-Control')) ctx.set('Cache-Control', 'no-store');
  };
}
