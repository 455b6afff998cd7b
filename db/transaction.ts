// Transactions that work on both drivers. MySQL gives each transaction a pooled connection of its
// own. TypeORM's SQLite driver has one connection and one query runner for the whole process, so
// a transaction there is the connection's state: any query another activity issues while it is
// open runs inside it (and is rolled back with it). For SQLite every transaction is queued, and
// every query from outside the open transaction waits until it has ended (installed by
// `serialiseSqliteWrites` when the DataSource is created). MySQL is left as it is.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

interface SqliteGate {
  /** The transaction in progress: its identity (async context) and when it ends. */
  open?: { token: symbol; ended: Promise<void> };
  /** Queries running outside any transaction; a transaction starts once they have finished. */
  running: number;
  idle: (() => void)[];
  queue: Promise<unknown>;
}

const gates = new WeakMap<DataSource, SqliteGate>();
const gated = new WeakSet<QueryRunner>();
const insideTransaction = new AsyncLocalStorage<symbol>();

const isSqlite = (ds: DataSource) => ds.options.type === 'better-sqlite3';

/** Makes every query on the DataSource's single SQLite connection wait for a transaction of another caller. */
export function serialiseSqliteWrites(ds: DataSource): void {
  if (!isSqlite(ds)) return;
  let gate = gates.get(ds);
  if (!gate) gates.set(ds, (gate = { running: 0, idle: [], queue: Promise.resolve() }));
  // The driver's one runner (a new one after destroy() and initialize()).
  const runner: QueryRunner = ds.driver.createQueryRunner('master');
  if (gated.has(runner)) return;
  gated.add(runner);
  const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
  const g = gate;
  runner.query = (async (...args: unknown[]) => {
    while (g.open && insideTransaction.getStore() !== g.open.token) await g.open.ended;
    if (g.open) return query(...args);
    g.running++;
    try {
      return await query(...args);
    } finally {
      if (--g.running === 0) for (const resolve of g.idle.splice(0)) resolve();
    }
  }) as QueryRunner['query'];
}

async function sqliteTransaction<T>(ds: DataSource, gate: SqliteGate, work: (em: EntityManager) => Promise<T>) {
  while (gate.running > 0) await new Promise<void>((resolve) => gate.idle.push(resolve));
  const token = Symbol('sqlite-transaction');
  let end!: () => void;
  gate.open = { token, ended: new Promise<void>((resolve) => (end = resolve)) };
  try {
    return await insideTransaction.run(token, () => ds.transaction(work));
  } finally {
    gate.open = undefined;
    end();
  }
}

export async function inTransaction<T>(ds: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> {
  if (!isSqlite(ds)) return ds.transaction(work);
  serialiseSqliteWrites(ds);
  const gate = gates.get(ds)!;
  const run = gate.queue.catch(() => undefined).then(() => sqliteTransaction(ds, gate, work));
  gate.queue = run;
  return run;
}
