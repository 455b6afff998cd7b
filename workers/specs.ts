// The registry of worker pools: one binary can serve any subset of them.
import { catalogWorker } from './catalog.worker';
import { notificationsWorker } from './notifications.worker';
import { ordersWorker } from './orders.worker';
import { usersWorker } from './users.worker';
import type { Domain, WorkerSpec } from './worker-spec';

export const workerSpecs: Partial<Record<Domain, WorkerSpec>> = {
  users: usersWorker,
  catalog: catalogWorker,
  orders: ordersWorker,
  notifications: notificationsWorker,
};

export function specsFor(domains: readonly string[]): WorkerSpec[] {
  const unknown = domains.filter((d) => !(d in workerSpecs));
  if (unknown.length)
    throw new Error(`Unknown worker domain(s): ${unknown.join(', ')}. Known: ${Object.keys(workerSpecs).join(', ')}`);
  return domains.map((d) => workerSpecs[d as Domain] as WorkerSpec);
}

export const allDomains = (): Domain[] => Object.keys(workerSpecs) as Domain[];
