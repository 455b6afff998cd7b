// The one place that chooses primary or replica. With TypeORM replication a repository's SELECT
// goes to a replica by default (DataSource.defaultReplicationModeForReads); reads that must see
// the latest committed write (login, the token's account, read-your-writes) run onPrimary.
// Without replicas configured (workers, SQLite) both run on the one database.
import type { DataSource, EntityManager } from 'typeorm';

export const isReplicated = (ds: DataSource): boolean => Boolean((ds.options as { replication?: unknown }).replication);

async function on<T>(ds: DataSource, mode: 'master' | 'slave', work: (em: EntityManager) => Promise<T>): Promise<T> {
  if (!isReplicated(ds)) return work(ds.manager);
  const qr = ds.createQueryRunner(mode);
  try {
    return await work(qr.manager);
  } finally {
    await qr.release();
  }
}

export const onPrimary = <T>(ds: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> =>
  on(ds, 'master', work);

export const onReplica = <T>(ds: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> =>
  on(ds, 'slave', work);
