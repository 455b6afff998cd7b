// The product write activities as the write workflows call them. Business failures are
// non-retryable (the activities also raise them as such); anything else (the database being
// unreachable) is retried for a bounded time, after which the gateway answers 503.
import { proxyActivities } from '@temporalio/workflow';
import type { ProductActivities } from '../../activities/catalog/product.activities';
import { PRODUCT_WRITE_REFUSALS } from './contract';

export const productWrites = proxyActivities<ProductActivities>({
  startToCloseTimeout: '5s',
  scheduleToCloseTimeout: '20s',
  retry: {
    initialInterval: '200ms',
    backoffCoefficient: 2,
    maximumInterval: '2s',
    nonRetryableErrorTypes: [...PRODUCT_WRITE_REFUSALS],
  },
});
