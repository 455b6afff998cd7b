// The catalog write path: createProduct / updateProduct / deleteProduct workflows on the catalog
// queue, each started and then waited for (bounded). Past the bound the write is answered 202
// Accepted: it is durable and completes once workers are back.
import { randomUUID } from 'node:crypto';
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
import type { Logger } from '../../common/logger';
import type { ApiDeps } from '../context';
import { toProblemError } from '../middleware/error-handler';
import { ProblemError } from '../problem';

/**
 * How long a write request waits for its workflow. A healthy catalog answers within a second;
 * the workflow's own retries give up after about 25 s. Past this bound (no catalog worker is
 * polling, say) the write is answered 202 Accepted. Exported as a tuning knob (tests shorten it).
 */
export const productWriteSettings = { waitMs: 30_000 };

export interface WriteAccepted {
  status: 'ACCEPTED';
  workflowId: string;
  detail: string;
}

export type WriteOutcome<T> = { productId: string } & ({ result: T } | { accepted: WriteAccepted });

export const unavailable = (code: string, detail: string) =>
  new ProblemError(503, code, 'Service unavailable', detail, {}, { 'Retry-After': '5' });

interface Caller {
  requestId: string;
  log: Logger;
}

export function catalogCommands(deps: ApiDeps) {
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
    caller: Caller,
    type: string,
    args: unknown[],
  ): Promise<WriteOutcome<T>> => {
    const workflowId = productWorkflowId(productId, op, caller.requestId);
    const handle = await deps.temporal.workflow.start(type, {
      workflowId,
      taskQueue: CATALOG_TASK_QUEUE,
      workflowIdConflictPolicy: 'USE_EXISTING',
      memo: { requestId: caller.requestId },
      args,
    });
    const deadline = Date.now() + productWriteSettings.waitMs;
    try {
      const result = (await deps.temporal.connection.withDeadline(deadline, () => handle.result())) as T;
      return { productId, result };
    } catch (err) {
      // The long poll ends with DEADLINE_EXCEEDED, or CANCELLED when the server cancels it first.
      if (isGrpcDeadlineError(err) || (isGrpcCancelledError(err) && Date.now() >= deadline - 100)) {
        // Started (durably) but not confirmed in time: accepted, not failed.
        caller.log.warn({ workflowId }, 'product write still running; answered 202');
        return {
          productId,
          accepted: {
            status: 'ACCEPTED',
            workflowId,
            detail: 'The write is accepted and will complete; the catalog is slow to confirm it',
          },
        };
      }
      if (toProblemError(err)) throw err;
      if (err instanceof WorkflowFailedError) {
        caller.log.error({ err, productId, op }, 'product write did not complete');
        throw unavailable('CATALOG_UNAVAILABLE', 'The catalog could not complete the write; retry shortly');
      }
      throw err;
    }
  };

  return {
    create(fields: CreateProductInput['fields'], caller: Caller) {
      const productId = randomUUID();
      return write<ProductView>('create', productId, caller, 'createProduct', [
        { productId, fields, requestId: caller.requestId } satisfies CreateProductInput,
      ]);
    },
    update(productId: string, patch: UpdateProductInput['patch'], caller: Caller) {
      return write<ProductView>('update', productId, caller, 'updateProduct', [
        { productId, patch, requestId: caller.requestId } satisfies UpdateProductInput,
      ]);
    },
    delete(productId: string, caller: Caller) {
      return write<DeleteProductResult>('delete', productId, caller, 'deleteProduct', [
        { productId, requestId: caller.requestId } satisfies DeleteProductInput,
      ]);
    },
  };
}
