// The migrations are the schema: after applying them, TypeORM must find nothing to change
// for the entities, on MariaDB (this run's database) and on the embedded SQLite driver.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../common/config';
import { createDataSource, migrate } from '../../db/data-source';
import { testEnv } from '../support/test-env';

async function pendingSchemaChanges(env: Record<string, string>): Promise<string[]> {
  const ds = createDataSource(parseConfig(env), { poolSize: 1 });
  await migrate(ds);
  const sql = await ds.driver.createSchemaBuilder().log();
  await ds.destroy();
  return sql.upQueries.map((q) => q.query);
}

it('entities and MariaDB migrations agree', async () => {
  expect(await pendingSchemaChanges({ MYSQL_URL: testEnv().mysqlUrl })).toEqual([]);
});

it('entities and SQLite migrations agree', async () => {
  expect(await pendingSchemaChanges({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'schema-')) })).toEqual([]);
});

it('the database refuses negative stock (CHECK constraint)', async () => {
  const ds = createDataSource(parseConfig({ MYSQL_URL: testEnv().mysqlUrl }), { poolSize: 1 });
  await ds.initialize();
  const id = '00000000-0000-4000-8000-0000000000c1';
  await ds.query(
    'INSERT INTO products (id, sku, name, description, price_cents, currency, stock, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, NOW(3), NOW(3))',
    [id, 'CHECK-TEST', 'x', '', 1, 'USD', 1],
  );
  await expect(ds.query('UPDATE products SET stock = stock - 2 WHERE id = ?', [id])).rejects.toThrow(/constraint/i);
  await ds.query('DELETE FROM products WHERE id = ?', [id]);
  await ds.destroy();
});
