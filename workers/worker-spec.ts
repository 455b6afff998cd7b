// What a worker pool is: its domain, task queue, workflow code and activity factory. The
// runner (run-worker.ts) turns any set of these into running Temporal workers.
import type { WorkerOptions } from '@temporalio/worker';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { Cache } from '../common/cache';
import type { Config } from '../common/config';
import type { EventPublisher } from '../common/events/publisher';
import type { Logger } from '../common/logger';
import type { Mailer } from '../common/mailer';

export const DOMAINS = ['users', 'catalog', 'orders', 'notifications'] as const;
export type Domain = (typeof DOMAINS)[number];

/** Everything an activity factory may need; created once per process. */
export interface WorkerDeps {
  config: Config;
  log: Logger;
  dataSource: DataSource;
  cache: Cache;
  mailer: Mailer;
  metrics: Registry;
  /** Integration events (RabbitMQ or DATA_DIR/events.jsonl): every pool registers publishEvent on it. */
  events: EventPublisher;
}

export interface WorkerSpec {
  domain: Domain;
  taskQueue: string;
  /** Module whose exports are the domain's workflows (bundled for the sandbox). */
  workflowsPath: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createActivities(deps: WorkerDeps): Record<string, (...args: any[]) => Promise<unknown>>;
  /** Per-pool tuning (slots, pollers, cache size). */
  tuning?: Partial<
    Pick<
      WorkerOptions,
      'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows'
    >
  >;
}
