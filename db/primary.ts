// Reads that must see the latest committed write go to the primary: with TypeORM replication a
// repository's SELECT goes to a replica by default (DataSource.defaultReplicationModeForReads).
// Used by the gateway for login, the token's account and read-your-writes; workers have no
// replicas configured at all.
import type { DataSource, EntityManager } from 'typeorm';

export const isReplicated = (ds: DataSource): boolean => Boolean((ds.options as { replication?: unknown }).replication);

export async function onPrimary<T>(ds: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> {
  if (!isReplicated(ds)) return work(ds.manager);
  const qr = ds.createQueryRunner('master');
  try {
    return await work(qr.manager);
  } finally {
    await qr.release();
  }
}
