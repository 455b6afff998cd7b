// Transactions that work on both drivers. TypeORM's SQLite driver shares one connection, so
// two concurrent transactions in one process collide ("cannot start a transaction within a
// transaction"); for SQLite they are queued here. MySQL uses a pooled connection each.
import type { DataSource, EntityManager } from 'typeorm';

const queues = new WeakMap<DataSource, Promise<unknown>>();

export async function inTransaction<T>(ds: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> {
  if (ds.options.type !== 'better-sqlite3') return ds.transaction(work);
  const previous = queues.get(ds) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => ds.transaction(work));
  queues.set(ds, run);
  return run;
}
