// Builds the shared dependencies of the activity factories from the configuration.
import type { Registry } from 'prom-client';
import { MemoryCache, RedisCache, type Cache } from '../common/cache';
import type { Config } from '../common/config';
import type { Logger } from '../common/logger';
import { createMailer } from '../common/mailer';
import { connectRedis } from '../common/redis';
import { createDataSource } from '../db/data-source';
import type { WorkerDeps } from './worker-spec';

export async function createWorkerDeps(
  config: Config,
  log: Logger,
  metrics: Registry,
  shared: { cache?: Cache } = {},
): Promise<WorkerDeps & { close(): Promise<void> }> {
  // Activities write and read back their own writes: they use the primary only. Read replicas
  // serve the gateway's read path.
  const dataSource = createDataSource({ ...config, MYSQL_REPLICA_URLS: [] });
  await dataSource.initialize();
  const redis = shared.cache ? undefined : await connectRedis(config, log);
  const cache = shared.cache ?? (redis ? new RedisCache(redis) : new MemoryCache());
  const mailer = createMailer(config);
  return {
    config,
    log,
    dataSource,
    cache,
    mailer,
    metrics,
    async close() {
      mailer.close();
      redis?.disconnect();
      await dataSource.destroy();
    },
  };
}
