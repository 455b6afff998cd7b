// /api/products: the catalog. Writes (admin only) run the product write workflows and answer
// with their result (or, past the route deadline, 202 or 503: see catalog.commands.ts); with an
// Idempotency-Key a repeat gets the first answer (Idempotent-Replayed: true). Reads go through the read model
// (cache-aside in front of the read replicas, X-Cache: HIT|MISS|STALE).
//
// Read-your-writes: an admin's reads (any valid admin token) skip cached copies and go to the
// primary, and every product write marks the product "written recently" so that, for a short
// window, everybody's reads of it go to the primary too (see api/catalog/product-read-model.ts).
//
// HTTP caching (api/shared/http-cache.ts): both reads (GET and HEAD) answer with a strong ETag
// and `Cache-Control: public, max-age=CATALOG_HTTP_MAX_AGE_S` when anonymous, `private, no-cache`
// with an Authorization header (so an admin's browser revalidates and sees their own writes),
// `Vary: Authorization`, and 304 Not Modified when If-None-Match matches. A 404 is
// `Cache-Control: no-store` (not a lasting answer: see http-cache.ts).
import Router from '@koa/router';
import type { ApiDeps, ShopContext, ShopState } from '../context';
import { authenticate, requireAdmin } from '../middleware/auth';
import { parseBody, parseParams, parseQuery } from '../middleware/validate';
import { notFound } from '../problem';
import { parseIdempotencyKey } from '../shared/idempotency-key';
import { NOT_FOUND_CACHE_CONTROL, answerCacheable } from '../shared/http-cache';
import { idParams } from '../shared/id-params';
import { type WriteCaller, type WriteOutcome, catalogCommands, unavailable } from './catalog.commands';
import { createProductSchema, listProductsQuery, LIST_LIMIT_DEFAULT, updateProductSchema } from './catalog.input';
import { CatalogUnavailableError } from './product-read-model';
import { productReadModelFor } from './read-model-registry';

const isAdmin = (ctx: ShopContext) => ctx.state.user?.role === 'admin';

/** Read-path failures: the database is unreachable and nothing cached can stand in. */
async function read<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof CatalogUnavailableError)
      throw unavailable(
        'DATABASE_UNAVAILABLE',
        'The catalog database is temporarily unreachable and no cached copy can stand in; retry shortly',
      );
    throw err;
  }
}

/** 202 with the accepted write, or the completed write's own answer. */
function answer<T>(ctx: ShopContext, caller: WriteCaller, outcome: WriteOutcome<T>, done: (result: T) => void) {
  if ('accepted' in outcome) {
    ctx.status = 202;
    ctx.set('Location', `/api/products/${outcome.accepted.id}`);
    ctx.body = outcome.accepted;
    return;
  }
  if (caller.idempotencyKey) ctx.set('Idempotent-Replayed', String(outcome.replayed));
  done(outcome.result);
}

export function productsRouter(deps: ApiDeps): Router<ShopState> {
  const router = new Router<ShopState>({ prefix: '/api/products' });
  const reads = productReadModelFor(deps);
  const commands = catalogCommands(deps);
  const httpCache = { maxAgeSeconds: deps.config.CATALOG_HTTP_MAX_AGE_S };
  const optionalAuth = authenticate(deps.tokens, { required: false });
  const adminOnly = [authenticate(deps.tokens, { required: true }), requireAdmin()] as const;
  const caller = (ctx: ShopContext): WriteCaller => ({
    adminId: ctx.state.user!.sub,
    requestId: ctx.state.requestId,
    log: ctx.state.log,
    idempotencyKey: parseIdempotencyKey(ctx.get('Idempotency-Key') || undefined),
  });

  router.get('/', optionalAuth, async (ctx) => {
    const query = parseQuery(ctx, listProductsQuery);
    const page = await read(() =>
      reads.listProducts(
        { limit: query.limit ?? LIST_LIMIT_DEFAULT, cursor: query.cursor, q: query.q },
        { primary: isAdmin(ctx) },
      ),
    );
    answerCacheable(ctx, page, httpCache);
  });

  router.get('/:id', optionalAuth, async (ctx) => {
    const { id } = parseParams(ctx, idParams);
    const found = await read(() => reads.getProduct(id, { primary: isAdmin(ctx) }));
    ctx.set('X-Cache', found?.cache ?? 'MISS');
    if (!found) {
      ctx.set('Cache-Control', NOT_FOUND_CACHE_CONTROL);
      ctx.vary('Authorization');
      throw notFound('Product');
    }
    answerCacheable(ctx, found.product, httpCache);
  });

  router.post('/', ...adminOnly, async (ctx) => {
    const fields = parseBody(ctx, createProductSchema);
    const who = caller(ctx);
    answer(ctx, who, await commands.create(fields, who), (product) => {
      ctx.status = 201;
      ctx.set('Location', `/api/products/${product.id}`);
      ctx.body = product;
    });
  });

  router.put('/:id', ...adminOnly, async (ctx) => {
    const { id } = parseParams(ctx, idParams);
    const patch = parseBody(ctx, updateProductSchema);
    const who = caller(ctx);
    answer(ctx, who, await commands.update(id, patch, who), (product) => {
      ctx.body = product;
    });
  });

  router.delete('/:id', ...adminOnly, async (ctx) => {
    const { id } = parseParams(ctx, idParams);
    const who = caller(ctx);
    answer(ctx, who, await commands.delete(id, who), () => {
      ctx.status = 204;
    });
  });

  return router;
}
