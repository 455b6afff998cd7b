import { createCartCheckoutActivities } from '../activities/carts/cart-checkout.activities';
import { createCartReminderActivities } from '../activities/carts/cart-reminder.activities';
import { createOrderActivities } from '../activities/orders/order.activities';
import { SandboxPaymentProvider } from '../activities/orders/sandbox-payment-provider';
import { businessMetrics } from '../common/metrics';
import { ORDERS_TASK_QUEUE } from '../workflows/orders/contract';
import type { WorkerSpec } from './worker-spec';

export const ordersWorker: WorkerSpec = {
  domain: 'orders',
  taskQueue: ORDERS_TASK_QUEUE,
  workflowsPath: require.resolve('../workflows/orders'),
  // The sandbox is the one payment provider shipped; a real one implements the same port
  // (activities/orders/payment-provider.ts) and is chosen here.
  createActivities: ({ dataSource, metrics }) => ({
    ...createOrderActivities({
      dataSource,
      provider: new SandboxPaymentProvider(dataSource),
      metrics: businessMetrics(metrics),
    }),
    // The cart (workflows/carts) runs on this queue too.
    ...createCartReminderActivities(),
    ...createCartCheckoutActivities({ dataSource }),
  }),
  // Payment calls wait on the provider (I/O-bound, up to seconds for pm_card_slow).
  tuning: { maxConcurrentActivityTaskExecutions: 100 },
};
