import { proxyActivities } from '@temporalio/workflow';
import type { ProductActivities } from '../../activities/catalog/product.activities';
import type { InvalidateProductCacheResult, PurgeProductCacheInput } from './contract';

// Unlimited attempts: the activity itself returns once purging has become moot (every cache
// entry older than the write has expired), which bounds this workflow's life.
const { invalidateProductCache } = proxyActivities<ProductActivities>({
  startToCloseTimeout: '5s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
});

/** Keeps retrying a product's cache invalidation that its write workflow could not complete. */
export async function purgeProductCache(input: PurgeProductCacheInput): Promise<InvalidateProductCacheResult> {
  return invalidateProductCache({ productId: input.productId, writtenAt: input.writtenAt });
}
