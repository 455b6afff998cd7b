// The composition root: every entry point (the gateway, the worker pools, `npm start`, the
// in-process test stack) builds its part of the shop with startShop(), so dependencies are
// created, connected and started in one order, and stopped in the reverse one, in one place.
// Caller-owned resources started before the shop (the dev server of `npm start`) are stopped last.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NativeConnection } from '@temporalio/worker';
import { createApiDeps } from '../api/api-deps';
import { createApp } from '../api/app';
import type { ApiDeps } from '../api/context';
import { configureHttpServer } from '../api/http-server';
import { dbDriver, migrate } from '../db/data-source';
import { seedAdmin } from '../db/seed-admin';
import { installRuntime, type RunningWorkers, startWorkerHttpServer, startWorkers } from '../workers/run-worker';
import { specsFor } from '../workers/specs';
import { createWorkerDeps } from '../workers/worker-deps';
import type { Domain, WorkerDeps } from '../workers/worker-spec';
import { type Cache, MemoryCache } from './cache';
import type { Config } from './config';
import type { Logger } from './logger';
import { createRegistry } from './metrics';
import { connectWorkerConnection } from './temporal';

/**
 * Shutdown time beyond the workers' grace time (WORKER_SHUTDOWN_GRACE_MS): enough for the
 * gateway to answer its in-flight requests and for every connection to close, short enough that
 * a stuck dependency cannot keep a process (or Kubernetes' terminationGracePeriodSeconds) waiting.
 */
export const SHUTDOWN_MARGIN_MS = 15_000;

/**
 * How long the gateway waits for in-flight requests before it drops its connections: every
 * request answers within its route deadline, so draining a little longer drops none.
 */
export const httpDrainMs = (config: Pick<Config, 'ROUTE_DEADLINE_MS'>): number => config.ROUTE_DEADLINE_MS + 1_000;

/** The longest stop() of a shop built with this configuration takes. */
export const shutdownBoundMs = (config: Pick<Config, 'WORKER_SHUTDOWN_GRACE_MS' | 'ROUTE_DEADLINE_MS'>): number =>
  httpDrainMs(config) + config.WORKER_SHUTDOWN_GRACE_MS + SHUTDOWN_MARGIN_MS;

export interface ShopRoles {
  /** The gateway, on this port (0: any free port) and host (default: every interface). */
  api?: { port: number; host?: string; config?: Config };
  /**
   * Worker pools for these domains. `[]` creates the workers' dependencies (database, cache,
   * mailer) without connecting to Temporal (tests use them for direct database access).
   */
  workers?: { domains: readonly Domain[] };
  /** The workers' /healthz, /readyz and business /metrics on this port (0: any free port). */
  workerHttp?: { port: number };
}

export interface StartShopOptions {
  config: Config;
  /** Lifecycle messages; also the components' parent logger when `logs` does not name one. */
  log: Logger;
  /** Per-component loggers. Default: children `{component: 'api'}` and `{component: 'worker'}` of `log`. */
  logs?: { api?: Logger; worker?: Logger };
  roles: ShopRoles;
  /** Export the Temporal SDK's metrics on TEMPORAL_METRICS_BIND (default true). */
  sdkMetrics?: boolean;
  /** Apply the migrations and seed ADMIN_EMAIL/ADMIN_PASSWORD before starting (needs `workers`). */
  prepareDatabase?: boolean;
  /** Already started by the caller (e.g. the Temporal dev server): stopped after the shop, also when start fails. */
  dependencies?: { name: string; stop(): Promise<void> }[];
}

export interface Shop {
  config: Config;
  api?: ApiDeps;
  apiServer?: Server;
  /** http://host:port of the gateway. */
  apiUrl?: string;
  workerDeps?: WorkerDeps;
  workers?: RunningWorkers;
  workerConnection?: NativeConnection;
  workerHttpUrl?: string;
  /** Resolves when the worker pools stop on their own, rejects when one fails; pending without pools. */
  done: Promise<void>;
  /** Drains the worker pools, closes their endpoint and Temporal connection; the rest keeps running. */
  stopWorkers(): Promise<void>;
  /** Everything, in reverse start order, at most shutdownBoundMs(config). Idempotent. */
  stop(reason?: string): Promise<void>;
}

interface Step {
  name: string;
  /** Longest this step may take (within the overall bound). */
  budgetMs?: number;
  /** Part of stopWorkers(). */
  workers?: boolean;
  run(): Promise<void> | void;
  done?: Promise<void>;
}

export async function startShop(o: StartShopOptions): Promise<Shop> {
  const { config, log, roles } = o;
  const apiLog = o.logs?.api ?? log.child({ component: 'api' });
  const workerLog = o.logs?.worker ?? log.child({ component: 'worker' });
  const domains = roles.workers?.domains ?? [];
  if (roles.workerHttp && !domains.length) throw new Error('startShop: workerHttp needs worker pools');
  if (o.prepareDatabase && !roles.workers) throw new Error('startShop: prepareDatabase needs the workers role');

  // Stop steps, in start order; stop() runs them backwards.
  const steps: Step[] = (o.dependencies ?? []).map((d) => ({ name: d.name, run: () => d.stop() }));
  let deadline: number | undefined;
  const runStep = (step: Step): Promise<void> => {
    const left = (deadline ?? Date.now() + shutdownBoundMs(config)) - Date.now();
    return (step.done ??= bounded(step, Math.min(left, step.budgetMs ?? left), log));
  };
  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop'): Promise<void> =>
    (stopping ??= (async () => {
      deadline = Date.now() + shutdownBoundMs(config);
      log.info({ reason, boundMs: shutdownBoundMs(config) }, 'shop stopping');
      for (const step of [...steps].reverse()) await runStep(step);
      log.info('shop stopped');
    })());

  const shop: Shop = {
    config,
    done: new Promise<void>(() => undefined),
    stopWorkers: async () => {
      for (const step of [...steps].reverse()) if (step.workers) await runStep(step);
      shop.workers = undefined;
      shop.workerConnection = undefined;
    },
    stop,
  };

  try {
    // One in-process cache for gateway and workers when there is no Redis, so that the workers'
    // invalidations reach the gateway's reads.
    const sharedCache: Cache | undefined =
      !config.REDIS_URL && roles.api && roles.workers ? new MemoryCache() : undefined;

    if (roles.workers) {
      installRuntime(config, workerLog, { metrics: o.sdkMetrics ?? true });
      const registry = createRegistry('worker');
      const workerDeps = await createWorkerDeps(config, workerLog, registry, { cache: sharedCache });
      shop.workerDeps = workerDeps;
      steps.push({ name: 'worker dependencies', run: () => workerDeps.close() });

      if (o.prepareDatabase) {
        const applied = await migrate(workerDeps.dataSource);
        log.info(
          { driver: dbDriver(config), applied },
          applied.length ? 'migrations applied' : 'database schema up to date',
        );
        if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
          const admin = await seedAdmin(workerDeps.dataSource, {
            email: config.ADMIN_EMAIL,
            password: config.ADMIN_PASSWORD,
          });
          log.info({ userId: admin.id }, 'admin account ready');
        }
      }

      if (domains.length) {
        const { connection, namespace } = await connectWorkerConnection(config);
        shop.workerConnection = connection;
        steps.push({ name: 'worker connection', budgetMs: 1_000, workers: true, run: () => connection.close() });
        const running = await startWorkers(specsFor(domains), workerDeps, connection, namespace);
        shop.workers = running;
        shop.done = running.done;
        const endpoint = roles.workerHttp
          ? await listening(startWorkerHttpServer(roles.workerHttp.port, running, registry, workerLog))
          : undefined;
        if (endpoint) shop.workerHttpUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;
        // The endpoint closes after the pools have drained, not before: during the drain its
        // /readyz answers 503 (pools STOPPING) while /healthz and /metrics still answer.
        steps.push({
          name: 'worker pools',
          budgetMs: config.WORKER_SHUTDOWN_GRACE_MS + 2_000,
          workers: true,
          run: async () => {
            log.info({ graceMs: config.WORKER_SHUTDOWN_GRACE_MS }, 'shutting down workers');
            try {
              await running.shutdown();
            } finally {
              if (endpoint) await closeServer(endpoint, 1_000);
            }
            log.info('workers stopped');
          },
        });
      }
    }

    if (roles.api) {
      const apiConfig = roles.api.config ?? config;
      const api = await createApiDeps(apiConfig, apiLog, { cache: sharedCache });
      shop.api = api;
      steps.push({ name: 'gateway dependencies', budgetMs: 2_000, run: () => api.close() });
      const { port, host } = roles.api;
      const server = await listening(
        configureHttpServer(host ? createApp(api).listen(port, host) : createApp(api).listen(port)),
      );
      shop.apiServer = server;
      const actual = (server.address() as AddressInfo).port;
      shop.apiUrl = `http://${host ?? 'localhost'}:${actual}`;
      // First to stop: in-flight requests (an order placement waits for the orders pool) finish
      // while the workers are still there.
      steps.push({ name: 'gateway', run: () => closeServer(server, httpDrainMs(apiConfig)) });
      apiLog.info({ port: actual }, `gateway listening on ${shop.apiUrl}`);
    }
  } catch (err) {
    await stop('start failed').catch(() => undefined);
    throw err;
  }
  return shop;
}

/** Runs a stop step within its time; a step that overruns is logged and left behind. */
async function bounded(step: Step, ms: number, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(ms, 0))));
  try {
    const result = await Promise.race([Promise.resolve().then(() => step.run()), timedOut]);
    if (result === 'timeout') log.warn({ step: step.name, ms }, 'shutdown step timed out, moving on');
  } catch (err) {
    log.warn({ err, step: step.name }, 'shutdown step failed, moving on');
  } finally {
    clearTimeout(timer);
  }
}

function listening<S extends Server>(server: S): Promise<S> {
  return new Promise((resolve, reject) => {
    if (server.listening) return resolve(server);
    server.once('listening', () => {
      server.off('error', reject);
      resolve(server);
    });
    server.once('error', reject);
  });
}

/** Stops accepting connections, lets open requests finish for up to `drainMs`, then drops the rest. */
function closeServer(server: Server, drainMs: number): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), drainMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
