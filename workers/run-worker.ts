// The one worker runner: Temporal runtime (logs into pino, SDK Prometheus exporter), a Worker
// per domain on one NativeConnection, prebuilt bundles when present, graceful shutdown with a
// grace time, and a small HTTP endpoint with health and business metrics for Kubernetes.
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import v8 from 'node:v8';
import {
  DefaultLogger,
  type LogLevel,
  type NativeConnection,
  Runtime,
  Worker,
  type WorkerOptions,
  makeTelemetryFilterString,
} from '@temporalio/worker';
import type { Registry } from 'prom-client';
import { createEventActivities } from '../activities/events/event.activities';
import { UnconfirmedEvents } from '../activities/events/unconfirmed-events';
import { activityLogContextInterceptor } from '../activities/shared/log-context.interceptor';
import { orderStatusCounts } from '../activities/shared/order-status.metrics';
import type { Config } from '../common/config';
import type { Logger } from '../common/logger';
import { businessMetrics, setOrderStatusSource, setUnconfirmedEventsSource } from '../common/metrics';
import { logContextClientInterceptor } from '../common/temporal';
import type { WorkerDeps, WorkerSpec } from './worker-spec';

let runtimeInstalled = false;

/**
 * Workflow interceptor modules every domain's workflows run with (log correlation, summaries,
 * current details). Bundled into each domain's prebuilt bundle by scripts/build-bundles.ts too:
 * a Worker given a prebuilt bundle ignores `interceptors.workflowModules`.
 */
export const WORKFLOW_INTERCEPTOR_MODULES: readonly string[] = [
  require.resolve('../workflows/shared/log-context.interceptors'),
];

/**
 * Installs the process-wide Temporal runtime once: SDK and workflow/activity logs go to pino,
 * SDK metrics to Prometheus under their default names. Signals are ours to handle.
 */
export function installRuntime(config: Config, log: Logger, opts: { metrics?: boolean } = {}): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const sdkLog = log.child({ source: 'temporal-sdk' });
  const level = (
    config.LOG_LEVEL === 'silent' || config.LOG_LEVEL === 'fatal' ? 'ERROR' : config.LOG_LEVEL.toUpperCase()
  ) as LogLevel;
  const toPino = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger(level, (entry) => {
      // The SDK's meta carries workflowId, runId, activityType, taskQueue... and, through the
      // log-context interceptors, requestId/orderId/userId: keep the keys. Activity lines say
      // workflowRunId; add the shop-wide `runId` so one key finds a run's lines everywhere.
      const meta: Record<string, unknown> = { ...(entry.meta ?? {}) };
      if (meta.runId === undefined && typeof meta.workflowRunId === 'string') meta.runId = meta.workflowRunId;
      // Bundle statistics (webpack's output, the bundle size) are build detail, not operations.
      const buildDetail = entry.level === 'INFO' && isBundleStats(entry.message);
      sdkLog[buildDetail ? 'debug' : toPino[entry.level]](meta, entry.message);
    }),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) },
      ...(opts.metrics === false ? {} : { metrics: { prometheus: { bindAddress: config.TEMPORAL_METRICS_BIND } } }),
    },
  });
}

const isBundleStats = (message: string): boolean =>
  message === 'Workflow bundle created' ||
  /^(asset |modules by path |webpack )|\bcompiled (successfully|with)\b/m.test(message);

function bundlePathFor(config: Config, domain: string): string | undefined {
  const dirs = [config.WORKFLOW_BUNDLE_DIR, path.resolve(__dirname, '..', 'workflow-bundles')].filter(
    Boolean,
  ) as string[];
  for (const dir of dirs) {
    const file = path.join(dir, `${domain}.js`);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/**
 * The workflow cache size a pool gets when neither its spec nor WORKER_MAX_CACHED_WORKFLOWS sets
 * one: the SDK's own default (sized from the heap: ~600 workflows per GiB above 200 MiB, at
 * least 10), capped at 250. Each cached workflow costs about 1.2-1.5 MB here, and the orders
 * pool keeps every PAID order open (waiting for ship or cancel): uncapped, its worker grew past
 * 2 GB and spent ~50% more CPU per order in GC (bench/README.md). 250 is 20× the orders in flight at
 * the highest sustained rate measured; an evicted order replays its ~50-event history when it
 * is next shipped or cancelled.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 250;

export function sdkDefaultMaxCachedWorkflows(heapLimitBytes = v8.getHeapStatistics().heap_size_limit): number {
  const heapMiB = heapLimitBytes / 2 ** 20;
  return Math.max(Math.floor((Math.max(heapMiB - 200, 0) * 600) / 1024), 10);
}

/**
 * A pool's tuning: the defaults of its WorkerSpec, the WORKER_MAX_CACHED_WORKFLOWS knob over
 * them, and the capped cache size when neither sets one.
 */
export function tuningFor(
  spec: Pick<WorkerSpec, 'tuning'>,
  config: Pick<Config, 'WORKER_MAX_CACHED_WORKFLOWS'>,
): Partial<WorkerOptions> {
  return {
    ...spec.tuning,
    maxCachedWorkflows:
      config.WORKER_MAX_CACHED_WORKFLOWS ??
      spec.tuning?.maxCachedWorkflows ??
      Math.min(DEFAULT_MAX_CACHED_WORKFLOWS, sdkDefaultMaxCachedWorkflows()),
  };
}

export interface RunningWorkers {
  workers: Map<string, Worker>;
  /** Resolves when every worker has stopped. */
  done: Promise<void>;
  /** Graceful: stop polling, let in-flight activities finish within the grace time. */
  shutdown(): Promise<void>;
  states(): Record<string, string>;
}

export async function startWorkers(
  specs: WorkerSpec[],
  deps: WorkerDeps,
  connection: NativeConnection,
  namespace: string,
): Promise<RunningWorkers> {
  const workers = new Map<string, Worker>();
  // One per process: every pool's publishes count towards the process's oldest unconfirmed event.
  const unconfirmed = new UnconfirmedEvents();
  setUnconfirmedEventsSource(deps.metrics, () => unconfirmed.oldestAgeMs());
  const publishLag = businessMetrics(deps.metrics).eventPublishLag;
  for (const spec of specs) {
    const bundle = bundlePathFor(deps.config, spec.domain);
    const tuning = tuningFor(spec, deps.config);
    const worker = await Worker.create({
      connection,
      namespace,
      taskQueue: spec.taskQueue,
      ...(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: spec.workflowsPath }),
      // publishEvent on every pool: each domain publishes its own events on its own queue, and
      // hands each confirmed event to the webhooks subscribed to it (deliveries on notifications).
      activities: {
        ...createEventActivities({
          publisher: deps.events,
          unconfirmed,
          onConfirmed: (lagMs) => publishLag.observe(lagMs / 1000),
          webhooks: { dataSource: deps.dataSource, retryDelaysMs: deps.config.WEBHOOK_RETRY_DELAYS_MS },
        }),
        ...spec.createActivities(deps),
      },
      // Log correlation (requestId/orderId/userId) into workflows, activities and, through the
      // activity context's Client, into any workflow an activity starts.
      interceptors: {
        workflowModules: [...WORKFLOW_INTERCEPTOR_MODULES],
        activity: [activityLogContextInterceptor],
        client: { workflow: [logContextClientInterceptor()] },
      },
      shutdownGraceTime: deps.config.WORKER_SHUTDOWN_GRACE_MS,
      ...tuning,
    });
    deps.log.debug(
      { domain: spec.domain, taskQueue: spec.taskQueue, bundle: bundle ?? 'built at start', tuning },
      'worker created',
    );
    workers.set(spec.domain, worker);
  }
  // The orders pool also exports the orders-by-status gauge from the read model.
  if (workers.has('orders')) setOrderStatusSource(deps.metrics, orderStatusCounts(deps.dataSource));
  const done = Promise.all([...workers.values()].map((w) => w.run())).then(() => undefined);
  return {
    workers,
    done,
    async shutdown() {
      for (const w of workers.values()) if (w.getState() === 'RUNNING') w.shutdown();
      await done;
    },
    states: () => Object.fromEntries([...workers].map(([d, w]) => [d, w.getState()])),
  };
}

/** /healthz (liveness: process up), /readyz (every worker RUNNING), /metrics (business metrics). */
export function startWorkerHttpServer(
  port: number,
  running: RunningWorkers,
  registry: Registry,
  log: Logger,
): http.Server {
  const server = http.createServer(async (req, res) => {
    if (req.url === '/metrics') {
      res.setHeader('Content-Type', registry.contentType);
      res.end(await registry.metrics());
      return;
    }
    if (req.url === '/healthz' || req.url === '/readyz') {
      const states = running.states();
      const ok =
        req.url === '/healthz'
          ? !Object.values(states).includes('FAILED')
          : Object.values(states).every((s) => s === 'RUNNING');
      res.statusCode = ok ? 200 : 503;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable', workers: states }));
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  server.listen(port, () => log.info({ port }, 'worker health and metrics endpoint listening'));
  return server;
}
