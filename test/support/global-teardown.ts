import { createConnection } from 'mysql2/promise';
import type { DevServer } from '../../scripts/dev-server';
import { testEnv } from './test-env';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as Record<string, unknown>).__SHOP_DEV_SERVER__ as DevServer | undefined;
  await server?.stop();
  if (process.env.KEEP_TEST_DB) return;
  const env = testEnv();
  const conn = await createConnection({ uri: env.mysqlAdminUrl.replace(/^mariadb:/, 'mysql:') });
  await conn.query(`DROP DATABASE IF EXISTS \`${env.database}\``);
  await conn.end();
}
