// The catalog write path: createProduct / updateProduct / deleteProduct workflows on the catalog
// queue, each started and then waited for within the route deadline (api/shared/route-deadline.ts).
//
// A write's identity is its workflow ID, product-<id>-<op>-<writeId>. With an Idempotency-Key the
// writeId is derived from (admin account, key), so every repeat of the request addresses the same
// workflow and Temporal's workflow-ID policies do the deduplication; the request hash in the run's
// memo tells a repeat from another request under the same key (422). Without a key each request
// is a write of its own. The X-Request-Id never identifies a write: it only traces, and two
// different writes may well carry the same one.
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import type { Logger } from '../../common/logger';
import {
  CATALOG_TASK_QUEUE,
  type CreateProductInput,
  type DeleteProductInput,
  type DeleteProductResult,
  type ProductView,
  type ProductWriteMemo,
  type ProductWriteOp,
  type UpdateProductInput,
  productWorkflowId,
} from '../../workflows/catalog/contract';
import { FailureType } from '../../workflows/shared/failures';
import type { ApiDeps } from '../context';
import { toProblemError } from '../middleware/error-handler';
import { idForKey } from '../shared/idempotency-key';
import { ProblemError, problemForFailure } from '../problem';
import { type Accepted, stillProcessing, withinRouteDeadline } from '../shared/route-deadline';

export type WriteOutcome<T> = { result: T; replayed: boolean } | { accepted: Accepted };

export const unavailable = (code: string, detail: string) =>
  new ProblemError(503, code, 'Service unavailable', detail, {}, { 'Retry-After': '5' });

const keyReused = () =>
  problemForFailure(
    FailureType.IdempotencyKeyReused,
    'This Idempotency-Key was already used with a different request',
  )!;

/** Who writes, and under which Idempotency-Key, if any. */
export interface WriteCaller {
  adminId: string;
  requestId: string;
  log: Logger;
  idempotencyKey?: string;
}

/**
 * The writeId of a keyed write: the orders' name-based UUID of (account, key), over a scope of
 * its own, so a product write never shares an ID with an order placed under the same key.
 */
export const productWriteIdFor = (adminId: string, idempotencyKey: string): string =>
  idForKey(`catalog:${adminId}`, idempotencyKey);

/**
 * Of the validated request (defaults filled in, SKU upper-cased, keys in schema order), so the
 * same request written differently is the same request.
 */
const requestHash = (body: unknown): string =>
  createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('hex');

interface Write<I> {
  op: ProductWriteOp;
  type: 'createProduct' | 'updateProduct' | 'deleteProduct';
  productId: string;
  writeId: string;
  input: I;
  /** What the client asked for (hashed to bind a key to it). */
  request?: unknown;
}

export function catalogCommands(deps: ApiDeps) {
  const writeIdOf = (caller: WriteCaller) =>
    caller.idempotencyKey ? productWriteIdFor(caller.adminId, caller.idempotencyKey) : randomUUID();

  /**
   * Starts (or, for a repeat, joins) a write workflow and waits for its result within the route
   * deadline. Business failures (SKU_TAKEN, NOT_FOUND...) and Temporal outages map through the
   * error handler; a write that exhausted its own bounded retries (the database down) is a 503.
   */
  const write = async <T, I>(w: Write<I>, caller: WriteCaller): Promise<WriteOutcome<T>> => {
    const workflowId = productWorkflowId(w.productId, w.op, w.writeId);
    const keyed = caller.idempotencyKey !== undefined;
    const memo: ProductWriteMemo = keyed
      ? { requestId: caller.requestId, requestHash: requestHash(w.request), startedBy: randomUUID() }
      : { requestId: caller.requestId };
    try {
      await deps.temporal.workflow.start(w.type, {
        workflowId,
        taskQueue: CATALOG_TASK_QUEUE,
        args: [w.input],
        memo: { ...memo },
        // A repeat joins the run while it goes on and gets its result once it has completed. A
        // failed run (refused, or out of retries) is no answer worth keeping: a repeat runs again.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      });
    } catch (err) {
      // The run under this key has completed: its result is the answer.
      if (!(keyed && err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    const handle = deps.temporal.workflow.getHandle(workflowId);
    let replayed = false;
    if (keyed) {
      const run = (await handle.describe()).memo as Partial<ProductWriteMemo> | undefined;
      if (run?.requestHash !== memo.requestHash) throw keyReused();
      replayed = run?.startedBy !== memo.startedBy;
    }
    try {
      const outcome = await withinRouteDeadline(deps, () => handle.result() as Promise<T>);
      if (outcome.inTime) return { result: outcome.value, replayed };
    } catch (err) {
      if (toProblemError(err)) throw err;
      if (err instanceof WorkflowFailedError) {
        caller.log.error({ err, productId: w.productId, op: w.op }, 'product write did not complete');
        throw unavailable('CATALOG_UNAVAILABLE', 'The catalog could not complete the write; retry shortly');
      }
      throw err;
    }
    // Started (durably) but not confirmed in time. A keyed repeat joins this run, so repeating is
    // the way to the answer; without a key a repeat would be another write: say where this one goes.
    if (keyed) throw stillProcessing('The write is still running; repeat the request with the same Idempotency-Key');
    caller.log.warn({ workflowId }, 'product write still running; answered 202');
    return {
      accepted: {
        status: 'ACCEPTED',
        id: w.productId,
        workflowId,
        detail: 'The write is accepted and will complete; the catalog is slow to confirm it',
      },
    };
  };

  return {
    create(fields: CreateProductInput['fields'], caller: WriteCaller) {
      // The product ID is the write's ID: a repeat under the same key creates the same product.
      const productId = writeIdOf(caller);
      const input: CreateProductInput = { productId, fields, requestId: caller.requestId, writeId: productId };
      return write<ProductView, CreateProductInput>(
        { op: 'create', type: 'createProduct', productId, writeId: productId, input, request: fields },
        caller,
      );
    },
    update(productId: string, patch: UpdateProductInput['patch'], caller: WriteCaller) {
      const writeId = writeIdOf(caller);
      const input: UpdateProductInput = { productId, patch, requestId: caller.requestId, writeId };
      return write<ProductView, UpdateProductInput>(
        { op: 'update', type: 'updateProduct', productId, writeId, input, request: patch },
        caller,
      );
    },
    delete(productId: string, caller: WriteCaller) {
      const writeId = writeIdOf(caller);
      const input: DeleteProductInput = { productId, requestId: caller.requestId, writeId };
      return write<DeleteProductResult, DeleteProductInput>(
        { op: 'delete', type: 'deleteProduct', productId, writeId, input },
        caller,
      );
    },
  };
}
