// Worker process of the lean placeOrder experiment: the orders side (workflow, local activities,
// chargePayment) on bench-lean-orders and priceAndReserve on bench-lean-catalog, with the shop's
// real activity code, runtime, logging and interceptors (workers/run-worker.ts).
// Env: the shop's. Prints `ready`.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createStockActivities } from '../../../activities/catalog/stock.activities';
import { createOrderActivities } from '../../../activities/orders/order.activities';
import { SandboxPaymentProvider } from '../../../activities/orders/sandbox-payment-provider';
import { activityLogContextInterceptor } from '../../../activities/shared/log-context.interceptor';
import { RedisCache } from '../../../common/cache';
import { getConfig } from '../../../common/config';
import { rootLogger } from '../../../common/logger';
import { createRedis } from '../../../common/redis';
import { createDataSource } from '../../../db/data-source';
import { WORKFLOW_INTERCEPTOR_MODULES, installRuntime } from '../../../workers/run-worker';
import { createLeanActivities } from './lean-activities';
import { LEAN_CATALOG_TASK_QUEUE, LEAN_ORDERS_TASK_QUEUE } from './lean-order.workflow';

async function main(): Promise<void> {
  const config = getConfig();
  const log = rootLogger().child({ component: 'worker', domains: ['bench-lean'] });
  installRuntime(config, log, { metrics: false });
  const dataSource = createDataSource({ ...config, MYSQL_REPLICA_URLS: [] });
  await dataSource.initialize();
  const redis = createRedis(config, log)!;
  const stock = createStockActivities({ dataSource, cache: new RedisCache(redis) });
  const orders = createOrderActivities({ dataSource, provider: new SandboxPaymentProvider(dataSource) });
  const lean = createLeanActivities({ dataSource, stock, orders });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const interceptors = { workflowModules: [...WORKFLOW_INTERCEPTOR_MODULES], activity: [activityLogContextInterceptor] };
  const ordersWorker = await Worker.create({
    connection,
    taskQueue: LEAN_ORDERS_TASK_QUEUE,
    workflowsPath: require.resolve('./lean-order.workflow'),
    activities: { ...orders, ...lean },
    interceptors,
  });
  const catalogWorker = await Worker.create({ connection, taskQueue: LEAN_CATALOG_TASK_QUEUE, activities: { priceAndReserve: lean.priceAndReserve }, interceptors });
  const stop = () => {
    ordersWorker.shutdown();
    catalogWorker.shutdown();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write('ready\n');
  await Promise.all([ordersWorker.run(), catalogWorker.run()]);
  await connection.close();
  await dataSource.destroy();
  redis.disconnect();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
