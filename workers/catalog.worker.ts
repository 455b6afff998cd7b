import { createProductActivities } from '../activities/catalog/product.activities';
import { createStockActivities } from '../activities/catalog/stock.activities';
import { createCartQuoteActivities } from '../activities/carts/cart-quote.activities';
import { CATALOG_TASK_QUEUE } from '../workflows/catalog/contract';
import type { WorkerSpec } from './worker-spec';

export const catalogWorker: WorkerSpec = {
  domain: 'catalog',
  taskQueue: CATALOG_TASK_QUEUE,
  workflowsPath: require.resolve('../workflows/catalog'),
  createActivities: ({ dataSource, cache, config }) => ({
    ...createProductActivities({ dataSource, cache, config }),
    ...createStockActivities({ dataSource, cache }),
    ...createCartQuoteActivities({ dataSource }),
  }),
};
