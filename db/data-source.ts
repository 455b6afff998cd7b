// The one TypeORM DataSource factory, used by the gateway's read path, the activities, the
// migration runner and the TypeORM CLI (default export). MySQL when MYSQL_URL is set (with
// read replicas from MYSQL_REPLICA_URLS), otherwise the embedded SQLite file under DATA_DIR.
// Schema sync is off: the schema changes only through the migration files.
import 'reflect-metadata';
import path from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { type Config, dataPath, getConfig } from '../common/config';
import { entities } from './entities';
import { serialiseSqliteWrites } from './transaction';

export type DbDriver = 'mysql' | 'sqlite';

export function dbDriver(config: Pick<Config, 'MYSQL_URL'>): DbDriver {
  return config.MYSQL_URL ? 'mysql' : 'sqlite';
}

const migrationsGlob = (driver: DbDriver) => path.join(__dirname, 'migrations', driver, '*.{ts,js}');

export function dataSourceOptions(config: Config, overrides: { poolSize?: number } = {}): DataSourceOptions {
  const common = {
    entities,
    migrations: [migrationsGlob(dbDriver(config))],
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    logging: false,
  };
  if (config.MYSQL_URL) {
    const poolSize = overrides.poolSize ?? config.MYSQL_POOL_SIZE;
    const extra = { connectionLimit: poolSize, connectTimeout: 5000 };
    // TypeORM reads MariaDB's catalog differently (column defaults): mariadb:// selects that dialect.
    const type = config.MYSQL_URL.startsWith('mariadb://') ? ('mariadb' as const) : ('mysql' as const);
    // A blackholed link would otherwise hold a query (and the request or activity behind it) until
    // the kernel gives up on the socket, minutes later.
    const timeouts = { enableQueryTimeout: true, maxQueryExecutionTime: config.DB_QUERY_TIMEOUT_MS };
    const mysql = { type, charset: 'utf8mb4', timezone: 'Z', supportBigNumbers: true, extra, ...timeouts, ...common };
    const url = (u: string) => u.replace(/^mariadb:/, 'mysql:');
    if (config.MYSQL_REPLICA_URLS.length === 0) return { ...mysql, url: url(config.MYSQL_URL) };
    return {
      ...mysql,
      replication: {
        master: { url: url(config.MYSQL_URL) },
        slaves: config.MYSQL_REPLICA_URLS.map((u) => ({ url: url(u) })),
        // mysql2's pool cluster drops a node after 5 connection errors, for good unless this is
        // set: a replica (or the primary) that was down would never be used again. Instead it
        // is skipped for 5 s, then tried again.
        restoreNodeTimeout: 5000,
      },
    };
  }
  return {
    type: 'better-sqlite3',
    database: dataPath(config, 'shop.sqlite'),
    // WAL + a busy timeout let the gateway and workers share the file across processes.
    prepareDatabase: (db: { pragma(s: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
    },
    ...common,
  };
}

export function createDataSource(config: Config = getConfig(), overrides: { poolSize?: number } = {}): DataSource {
  const ds = new DataSource(dataSourceOptions(config, overrides));
  serialiseSqliteWrites(ds);
  return ds;
}

/** Connects and applies pending migrations; returns the names of those applied. */
export async function migrate(ds: DataSource): Promise<string[]> {
  if (!ds.isInitialized) await ds.initialize();
  const applied = await ds.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}

// For the TypeORM CLI: `npx typeorm -d dist/db/data-source.js migration:show`.
export default createDataSource();
