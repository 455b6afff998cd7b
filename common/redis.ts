// ioredis client factory. Commands fail fast while Redis is down (no offline queue, one
// retry per request) so callers can fall back at once instead of hanging.
import { Redis } from 'ioredis';
import type { Config } from './config';
import type { Logger } from './logger';

export function createRedis(config: Config, log: Logger): Redis | undefined {
  if (!config.REDIS_URL) return undefined;
  const redis = new Redis(config.REDIS_URL, {
    keyPrefix: config.REDIS_KEY_PREFIX,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 1000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  let healthy = true;
  redis.on('error', (err) => {
    if (healthy) log.warn({ err: err.message }, 'redis unavailable; degrading');
    healthy = false;
  });
  redis.on('ready', () => {
    if (!healthy) log.info('redis available again');
    healthy = true;
  });
  return redis;
}
