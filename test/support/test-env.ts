// The shared test run's environment, written by the global setup and read by every test file.
import { readFileSync } from 'node:fs';

export interface TestEnv {
  temporalAddress: string;
  mysqlUrl: string;
  mysqlAdminUrl: string;
  database: string;
  redisUrl: string;
  redisKeyPrefix: string;
  bundleDir: string;
  dataDir: string;
  cli: string;
}

export function testEnv(): TestEnv {
  const file = process.env.SHOP_TEST_ENV_FILE;
  if (!file) throw new Error('SHOP_TEST_ENV_FILE is not set: run the tests through jest (global setup)');
  return JSON.parse(readFileSync(file, 'utf8')) as TestEnv;
}

/** process.env for the shop under test (the same variables a deployment would set). */
export function shopEnv(env: TestEnv, overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'test',
    TEMPORAL_ADDRESS: env.temporalAddress,
    MYSQL_URL: env.mysqlUrl,
    REDIS_URL: env.redisUrl,
    REDIS_KEY_PREFIX: env.redisKeyPrefix,
    JWT_SECRET: 'test-secret-that-is-at-least-32-bytes-long!!',
    DATA_DIR: env.dataDir,
    WORKFLOW_BUNDLE_DIR: env.bundleDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    RATE_LIMIT_MAX: '100000',
    LOGIN_RATE_LIMIT_MAX: '100000',
    WORKER_HTTP_PORT: '0',
    WORKER_SHUTDOWN_GRACE_MS: '2000',
    TEMPORAL_METRICS_BIND: '127.0.0.1:0',
    ...overrides,
  };
}
