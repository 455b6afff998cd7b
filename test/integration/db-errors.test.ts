// Database failures a request can meet, produced for real on MariaDB and SQLite, each answered
// 503 + Retry-After (retry shortly), never 500: a client-side query timeout, a lock wait timeout,
// a deadlock, a read-only transaction, an unknown host, a closed data source, a locked SQLite file.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import { toProblemError } from '../../api/middleware/error-handler';
import { parseConfig } from '../../common/config';
import { createDataSource, migrate } from '../../db/data-source';
import { testEnv } from '../support/test-env';

async function failureOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error('expected the database call to fail');
}

function expect503(err: unknown) {
  const problem = toProblemError(err);
  expect({ status: problem?.status, code: problem?.code, retryAfter: problem?.headers['Retry-After'] }).toEqual({
    status: 503,
    code: 'DATABASE_UNAVAILABLE',
    retryAfter: '5',
  });
}

const mariadb = (extra: Record<string, string> = {}) =>
  createDataSource(parseConfig({ MYSQL_URL: testEnv().mysqlUrl, ...extra }), { poolSize: 4 });

describe('MariaDB', () => {
  let ds: DataSource;
  const table = `lock_probe_${Date.now()}`;
  beforeAll(async () => {
    ds = mariadb();
    await ds.initialize();
    await ds.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, n INT) ENGINE=InnoDB`);
    await ds.query(`INSERT INTO ${table} VALUES (1, 0), (2, 0)`);
  });
  afterAll(async () => {
    await ds.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await ds.destroy();
  });

  it('a query past DB_QUERY_TIMEOUT_MS', async () => {
    const fast = mariadb({ DB_QUERY_TIMEOUT_MS: '300' });
    await fast.initialize();
    try {
      const err = await failureOf(() => fast.query('SELECT SLEEP(3)'));
      expect((err as { driverError?: { code?: string } }).driverError?.code).toBe('PROTOCOL_SEQUENCE_TIMEOUT');
      expect503(err);
    } finally {
      await fast.destroy();
    }
  });

  it('a lock wait timeout', async () => {
    const holder = ds.createQueryRunner();
    const waiter = ds.createQueryRunner();
    try {
      await holder.startTransaction();
      await holder.query(`SELECT * FROM ${table} WHERE id = 1 FOR UPDATE`);
      await waiter.query('SET SESSION innodb_lock_wait_timeout = 1');
      await waiter.startTransaction();
      const err = await failureOf(() => waiter.query(`UPDATE ${table} SET n = n + 1 WHERE id = 1`));
      expect((err as { driverError?: { code?: string } }).driverError?.code).toBe('ER_LOCK_WAIT_TIMEOUT');
      expect503(err);
    } finally {
      await waiter.rollbackTransaction().catch(() => undefined);
      await holder.rollbackTransaction().catch(() => undefined);
      await holder.release();
      await waiter.release();
    }
  });

  it('a deadlock', async () => {
    const a = ds.createQueryRunner();
    const b = ds.createQueryRunner();
    try {
      await a.startTransaction();
      await b.startTransaction();
      await a.query(`UPDATE ${table} SET n = n + 1 WHERE id = 1`);
      await b.query(`UPDATE ${table} SET n = n + 1 WHERE id = 2`);
      const outcomes = await Promise.allSettled([
        a.query(`UPDATE ${table} SET n = n + 1 WHERE id = 2`),
        new Promise((r) => setTimeout(r, 200)).then(() => b.query(`UPDATE ${table} SET n = n + 1 WHERE id = 1`)),
      ]);
      const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(failed).toHaveLength(1);
      expect((failed[0].reason as { driverError?: { code?: string } }).driverError?.code).toBe('ER_LOCK_DEADLOCK');
      expect503(failed[0].reason);
    } finally {
      await a.rollbackTransaction().catch(() => undefined);
      await b.rollbackTransaction().catch(() => undefined);
      await a.release();
      await b.release();
    }
  });

  it('a write in a read-only transaction (as on a primary demoted by a failover)', async () => {
    const runner = ds.createQueryRunner();
    try {
      await runner.query('START TRANSACTION READ ONLY');
      const err = await failureOf(() => runner.query(`UPDATE ${table} SET n = n + 1 WHERE id = 1`));
      expect((err as { driverError?: { code?: string } }).driverError?.code).toBe(
        'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION',
      );
      expect503(err);
    } finally {
      await runner.query('ROLLBACK').catch(() => undefined);
      await runner.release();
    }
  });

  it('a host name that does not resolve', async () => {
    const nowhere = createDataSource(parseConfig({ MYSQL_URL: 'mysql://root@shop-db.invalid:3306/shop' }));
    const err = await failureOf(() => nowhere.initialize());
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain((err as { code?: string }).code);
    expect503(err);
  });

  it('a data source that has been closed (shutdown under way)', async () => {
    const closing = mariadb();
    await closing.initialize();
    await closing.destroy();
    expect503(await failureOf(() => closing.query('SELECT 1')));
  });
});

it('SQLite: a write while another process holds the write lock past the busy timeout', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shop-sqlite-lock-'));
  const ds = createDataSource(parseConfig({ DATA_DIR: dir }));
  await migrate(ds);
  const other = new Database(path.join(dir, 'shop.sqlite'));
  try {
    other.exec('BEGIN EXCLUSIVE');
    const err = await failureOf(() => ds.query("UPDATE users SET name = 'x' WHERE id = 'none'"));
    expect((err as { driverError?: { code?: string } }).driverError?.code).toMatch(/^SQLITE_BUSY/);
    expect503(err);
  } finally {
    other.exec('ROLLBACK');
    other.close();
    await ds.destroy();
  }
}, 20_000);
