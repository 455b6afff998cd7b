// Reads that must see the latest committed write go to the primary. With TypeORM replication a
// repository's SELECT goes to a replica by default (DataSource.defaultReplicationModeForReads),
// so the activities, which write and then read back, ask for the master explicitly.
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
