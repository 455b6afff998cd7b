// /api/products: the catalog. Writes (admin only) run the createProduct / updateProduct /
// deleteProduct workflows on the catalog queue and answer with their result; reads go through
// the read model (cache-aside in front of the read replicas, X-Cache: HIT|MISS|STALE).
//
// Read-your-writes: an admin's reads (any valid admin token) skip cached copies and go to the
// primary, and every product write marks the product "written recently" so that, for a short
// window, everybody's reads of it go to the primary too (see api/catalog/product-read-model.ts).
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import { WorkflowFailedError, isGrpcCancelledError, isGrpcDeadlineError } from '@temporalio/client';
import {
  CATALOG_TASK_QUEUE,
  type CreateProductInput,
  type DeleteProductInput,
  type DeleteProductResult,
  type ProductView,
  type ProductWriteOp,
  type UpdateProductInput,
  productWorkflowId,
} from '../../workflows/catalog/contract';
import {
  createProductSchema,
  listProductsQuery,
  LIST_LIMIT_DEFAULT,
  productIdParams,
  updateProductSchema,
} from '../catalog/product-input';
import { CatalogUnavailableError } from '../catalog/product-read-model';
import { productReadModelFor } from '../catalog/read-model-registry';
import type { ApiDeps, ShopContext, ShopState } from '../context';
import { authenticate, requireAdmin } from '../middleware/auth';
import { toProblemError } from '../middleware/error-handler';
import { parseBody, parseParams, parseQuery } from '../middleware/validate';
import { ProblemError, notFound } from '../problem';

/**
 * How long a write request waits for its workflow. A healthy catalog answers within a second;
 * the workflow's own retries give up after about 25 s. Past this bound (no catalog worker is
 * polling, say) the write is answered 202 Accepted: it is durable and completes once workers
 * are back. Exported as a tuning knob (tests shorten it).
 */
export const productWriteSettings = { waitMs: 30_000 };

export interface WriteAccepted {
  status: 'ACCEPTED';
  workflowId: string;
  detail: string;
}

const unavailable = (code: string, detail: string) =>
  new ProblemError(503, code, 'Service unavailable', detail, {}, { 'Retry-After': '5' });

const isAdmin = (ctx: ShopContext) => ctx.state.user?.role === 'admin';

export function productsRouter(deps: ApiDeps): Router<ShopState> {
  const router = new Router<ShopState>({ prefix: '/api/products' });
  const reads = productReadModelFor(deps);
  const optionalAuth = authenticate(deps.tokens, { required: false });
  const adminOnly = [authenticate(deps.tokens, { required: true }), requireAdmin()] as const;

  /** Read-path failures: the database is unreachable and nothing cached can stand in. */
  const read = async <T>(work: () => Promise<T>): Promise<T> => {
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
  };

  /**
   * Starts a write workflow and waits (bounded) for its result. Business failures (SKU_TAKEN,
   * NOT_FOUND...) and Temporal outages map through the error handler; a write that exhausted its
   * own bounded retries (the database down) is a 503. The workflow ID carries the request ID, so
   * a client retrying with the same X-Request-Id while the first attempt still runs attaches to
   * it instead of writing twice.
   */
  const write = async <T>(
    op: ProductWriteOp,
    productId: string,
    ctx: ShopContext,
    type: string,
    args: unknown[],
  ): Promise<{ result: T } | { accepted: WriteAccepted }> => {
    const workflowId = productWorkflowId(productId, op, ctx.state.requestId);
    const handle = await deps.temporal.workflow.start(type, {
      workflowId,
      taskQueue: CATALOG_TASK_QUEUE,
      workflowIdConflictPolicy: 'USE_EXISTING',
      memo: { requestId: ctx.state.requestId },
      args,
    });
    const deadline = Date.now() + productWriteSettings.waitMs;
    try {
      const result = (await deps.temporal.connection.withDeadline(deadline, () => handle.result())) as T;
      return { result };
    } catch (err) {
      // The long poll ends with DEADLINE_EXCEEDED, or CANCELLED when the server cancels it first.
      if (isGrpcDeadlineError(err) || (isGrpcCancelledError(err) && Date.now() >= deadline - 100)) {
        // Started (durably) but not confirmed in time: accepted, not failed.
        ctx.state.log.warn({ workflowId }, 'product write still running; answered 202');
        return {
          accepted: {
            status: 'ACCEPTED',
            workflowId,
            detail: 'The write is accepted and will complete; the catalog is slow to confirm it',
          },
        };
      }
      if (toProblemError(err)) throw err;
      if (err instanceof WorkflowFailedError) {
        ctx.state.log.error({ err, productId, op }, 'product write did not complete');
        throw unavailable('CATALOG_UNAVAILABLE', 'The catalog could not complete the write; retry shortly');
      }
      throw err;
    }
  };
  const answer = <T>(
    ctx: ShopContext,
    productId: string,
    outcome: { result: T } | { accepted: WriteAccepted },
    done: (result: T) => void,
  ) => {
    if ('accepted' in outcome) {
      ctx.status = 202;
      ctx.set('Location', `/api/products/${productId}`);
      ctx.body = outcome.accepted;
      return;
    }
    done(outcome.result);
  };

  router.get('/', optionalAuth, async (ctx) => {
    const query = parseQuery(ctx, listProductsQuery);
    ctx.body = await read(() =>
      reads.listProducts(
        { limit: query.limit ?? LIST_LIMIT_DEFAULT, cursor: query.cursor, q: query.q },
        { primary: isAdmin(ctx) },
      ),
    );
  });

  router.get('/:id', optionalAuth, async (ctx) => {
    const { id } = parseParams(ctx, productIdParams);
    const found = await read(() => reads.getProduct(id, { primary: isAdmin(ctx) }));
    ctx.set('X-Cache', found?.cache ?? 'MISS');
    if (!found) throw notFound('Product');
    ctx.body = found.product;
  });

  router.post('/', ...adminOnly, async (ctx) => {
    const fields = parseBody(ctx, createProductSchema);
    const productId = randomUUID();
    const outcome = await write<ProductView>('create', productId, ctx, 'createProduct', [
      { productId, fields, requestId: ctx.state.requestId } satisfies CreateProductInput,
    ]);
    answer(ctx, productId, outcome, (product) => {
      ctx.status = 201;
      ctx.set('Location', `/api/products/${product.id}`);
      ctx.body = product;
    });
  });

  router.put('/:id', ...adminOnly, async (ctx) => {
    const { id } = parseParams(ctx, productIdParams);
    const patch = parseBody(ctx, updateProductSchema);
    const outcome = await write<ProductView>('update', id, ctx, 'updateProduct', [
      { productId: id, patch, requestId: ctx.state.requestId } satisfies UpdateProductInput,
    ]);
    answer(ctx, id, outcome, (product) => {
      ctx.body = product;
    });
  });

  router.delete('/:id', ...adminOnly, async (ctx) => {
    const { id } = parseParams(ctx, productIdParams);
    const outcome = await write<DeleteProductResult>('delete', id, ctx, 'deleteProduct', [
      { productId: id, requestId: ctx.state.requestId } satisfies DeleteProductInput,
    ]);
    answer(ctx, id, outcome, () => {
      ctx.status = 204;
    });
  });

  return router;
}
