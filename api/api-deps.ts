// Builds the gateway's dependencies from the configuration (and closes them).
import { MemoryCache, RedisCache, type Cache } from '../common/cache';
import { type Config, resolveJwtSecret } from '../common/config';
import type { Logger } from '../common/logger';
import { createRegistry } from '../common/metrics';
import { connectRedis } from '../common/redis';
import { connectClient } from '../common/temporal';
import { createDataSource } from '../db/data-source';
import { PrincipalCache } from './auth/principal-cache';
import { TokenService } from './auth/tokens';
import type { ApiDeps } from './context';

export async function createApiDeps(
  config: Config,
  log: Logger,
  shared: { cache?: Cache } = {},
): Promise<ApiDeps & { close(): Promise<void> }> {
  // First: a gateway without its signing key must not start (and fails before connecting).
  const jwtSecret = resolveJwtSecret(config);
  const dataSource = createDataSource(config);
  await dataSource.initialize();
  const redis = await connectRedis(config, log);
  const cache = shared.cache ?? (redis ? new RedisCache(redis) : new MemoryCache());
  const temporal = await connectClient(config);
  const principals = new PrincipalCache(dataSource);
  const tokens = new TokenService({
    secret: jwtSecret,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    ttlSeconds: config.JWT_TTL_SECONDS,
    principal: (id) => principals.get(id),
  });
  return {
    config,
    log,
    temporal,
    dataSource,
    cache,
    redis,
    tokens,
    metrics: createRegistry('api'),
    async close() {
      await temporal.connection.close();
      redis?.disconnect();
      await dataSource.destroy();
    },
  };
}
