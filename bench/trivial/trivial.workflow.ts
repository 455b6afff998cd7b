// Temporal's own floor on this machine: one workflow, one short activity. The benchmark runs
// it on the same dev server, in the same run, as the order workflow it is compared with.
import { proxyActivities } from '@temporalio/workflow';
import type { createTrivialActivities } from './trivial-worker';

const { touch } = proxyActivities<ReturnType<typeof createTrivialActivities>>({ startToCloseTimeout: '10s' });

export async function benchTrivial(n: number): Promise<number> {
  return await touch(n);
}
