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

/** createRedis, then a bounded wait for the connection (see redisReady): what processes start with. */
export async function connectRedis(config: Config, log: Logger): Promise<Redis | undefined> {
  const redis = createRedis(config, log);
  if (redis) await redisReady(redis);
  return redis;
}

/**
 * Waits until the client is connected, for at most `timeoutMs`; never throws. A process starts
 * on a connected Redis when there is one, so its first requests already use the shared rate
 * limits and cache; a Redis that is down only delays startup by the timeout (then the process
 * runs degraded, as it would after losing Redis, and reconnects in the background).
 */
export function redisReady(redis: Redis, timeoutMs = 2000): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.once('ready', onReady);
  });
}
