// The production Temporal server for a test: tools/temporal-cluster.ts on throwaway databases
// (`tc_<run>_temporal`, `tc_<run>_temporal_visibility`), dropped again by stop().
import { type ClusterOptions, type TemporalCluster, startTemporalCluster } from '../../tools/temporal-cluster';

export type { TemporalCluster } from '../../tools/temporal-cluster';

export function throwawayPrefix(): string {
  return `tc_${Date.now().toString(36)}_${process.pid}_`;
}

export function startThrowawayCluster(
  opts: Omit<ClusterOptions, 'dbPrefix' | 'dropDatabasesOnStop'> = {},
): Promise<TemporalCluster> {
  return startTemporalCluster({ ...opts, dbPrefix: throwawayPrefix(), dropDatabasesOnStop: true });
}
