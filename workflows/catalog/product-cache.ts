// The write workflows' cache step. A write updates MySQL, then invalidates the product's cache
// entry in the same durable workflow, so a crash between the two is healed by the retry. If the
// cache stays unreachable for the few quick attempts a caller is worth keeping waiting for, the
// invalidation is handed to an abandoned child workflow that keeps retrying until the cache is
// back (or until every entry older than the write has expired), and the write answers anyway:
// a cache outage slows writes down by about a second and never leaves a stale entry for good.
import { ActivityFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, isCancellation, proxyActivities, startChild } from '@temporalio/workflow';
import type { ProductActivities } from '../../activities/catalog/product.activities';
import { failureTypeOf } from '../shared/failures';
import { PRODUCT_WRITE_REFUSALS, productCachePurgeWorkflowId } from './contract';
import { purgeProductCache } from './purge-product-cache.workflow';

const quick = proxyActivities<ProductActivities>({
  startToCloseTimeout: '3s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumAttempts: 3 },
});

/** Invalidates now, or hands the invalidation to a durable purge workflow. Never throws a cache error. */
export async function invalidateAfterWrite(productId: string, writeKey: string): Promise<void> {
  const writtenAt = Date.now();
  try {
    await quick.invalidateProductCache({ productId });
    return;
  } catch (err) {
    if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
  }
  try {
    await startChild(purgeProductCache, {
      workflowId: productCachePurgeWorkflowId(productId, writeKey),
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [{ productId, writtenAt }],
    });
  } catch (err) {
    // A purge for this very write is already retrying (the write ran again under its
    // Idempotency-Key after a failed run): it has not purged yet, so it purges after this write.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/**
 * Runs a write, then invalidates the cache. A write that failed for a reason other than a
 * business outcome (a timeout, say) may still have committed, so it is invalidated too.
 */
export async function writeThenInvalidate<T>(productId: string, writeKey: string, write: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await write();
  } catch (err) {
    if (!isCancellation(err) && !PRODUCT_WRITE_REFUSALS.includes(failureTypeOf(err) ?? ''))
      await invalidateAfterWrite(productId, writeKey);
    throw err;
  }
  await invalidateAfterWrite(productId, writeKey);
  return result;
}
