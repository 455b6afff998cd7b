// Starts what the integration tests talk to: a Temporal dev server (in memory, random port),
// a fresh MariaDB database with the migrations applied, and prebuilt workflow bundles.
// MariaDB and Redis themselves are the machine's (TEST_MYSQL_URL / TEST_REDIS_URL).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { parseConfig } from '../../common/config';
import { createDataSource, migrate } from '../../db/data-source';
import { buildBundles } from '../../scripts/build-bundles';
import { freePort, startDevServer } from '../../scripts/dev-server';
import type { TestEnv } from './test-env';

export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'shop-test-'));
  const cliOut = spawnSync(process.execPath, [path.join(root, 'scripts', 'temporal-cli.mjs')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (cliOut.status !== 0) throw new Error('could not obtain the temporal CLI');
  const cli = cliOut.stdout.trim();

  const server = await startDevServer({ cli, port: await freePort(), headless: true });
  (globalThis as Record<string, unknown>).__SHOP_DEV_SERVER__ = server;

  const adminUrl = process.env.TEST_MYSQL_URL ?? 'mariadb://root@127.0.0.1:3306';
  const database = `shop_test_${Date.now()}_${process.pid}`;
  const conn = await createConnection({ uri: adminUrl.replace(/^mariadb:/, 'mysql:') });
  await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await conn.end();
  const mysqlUrl = `${adminUrl.replace(/\/$/, '')}/${database}`;
  const ds = createDataSource(parseConfig({ MYSQL_URL: mysqlUrl }), { poolSize: 1 });
  await migrate(ds);
  await ds.destroy();

  const bundleDir = path.join(tmp, 'bundles');
  await buildBundles(bundleDir, () => undefined);

  const env: TestEnv = {
    temporalAddress: server.address,
    mysqlUrl,
    mysqlAdminUrl: adminUrl,
    database,
    redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0',
    redisKeyPrefix: `shop-test:${database}:`,
    bundleDir,
    dataDir: path.join(tmp, 'data'),
    cli,
  };
  const file = path.join(tmp, 'test-env.json');
  writeFileSync(file, JSON.stringify(env, null, 2));
  process.env.SHOP_TEST_ENV_FILE = file;
}
