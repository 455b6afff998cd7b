// Builds the shared dependencies of the activity factories from the configuration.
import type { Registry } from 'prom-client';
import { MemoryCache, RedisCache, type Cache } from '../common/cache';
import type { Config } from '../common/config';
import { createEventPublisher } from '../common/events/publisher';
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
  const events = createEventPublisher(config, log);
  return {
    config,
    log,
    dataSource,
    cache,
    mailer,
    metrics,
    events,
    async close() {
      mailer.close();
      await events.close().catch((err: unknown) => log.warn({ err }, 'closing the event publisher failed'));
      redis?.disconnect();
      await dataSource.destroy();
    },
  };
}
