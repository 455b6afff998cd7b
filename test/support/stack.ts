// The shop under test, in this process: the real gateway (on a random port) and the real
// worker pools, against the run's Temporal dev server, MariaDB, Redis and an SMTP sink.
// Optionally as in production on the observability side: one logger for every component, the
// Temporal SDK's Prometheus exporter and the workers' health and business-metrics endpoint.
import { randomUUID } from 'node:crypto';
import type { NativeConnection } from '@temporalio/worker';
import { UserEntity } from '../../db/entities';
import { seedAdmin } from '../../db/seed-admin';
import type { ApiDeps } from '../../api/context';
import { type Config, parseConfig } from '../../common/config';
import { createLogger, type Logger } from '../../common/logger';
import { startShop } from '../../common/shop';
import type { RunningWorkers } from '../../workers/run-worker';
import { allDomains } from '../../workers/specs';
import type { Domain, WorkerDeps } from '../../workers/worker-spec';
import { SmtpSink } from './smtp-sink';
import { shopEnv, testEnv } from './test-env';

export interface HttpResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  rawBody?: string;
  token?: string;
  headers?: Record<string, string>;
}

export interface Stack {
  baseUrl: string;
  config: Config;
  api: ApiDeps;
  workers?: RunningWorkers;
  /** The workers' connection to Temporal (when worker pools run). */
  workerConnection?: NativeConnection;
  workerDeps: WorkerDeps;
  /** The Temporal SDK's Prometheus exporter of this process (with `sdkMetricsPort`). */
  sdkMetricsUrl?: string;
  /** The workers' /healthz, /readyz and business /metrics (with `workerHttp`). */
  workerHttpUrl?: string;
  smtp: SmtpSink;
  request<T = any>(method: string, path: string, opts?: RequestOptions): Promise<HttpResponse<T>>;
  /** Registers and logs in a fresh customer. */
  customer(name?: string): Promise<{ id: string; email: string; password: string; token: string }>;
  adminToken(): Promise<string>;
  stopWorkers(): Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Worker pools to run in-process (default: all). Pass [] to run none. */
  domains?: Domain[];
  env?: Record<string, string>;
  /**
   * Extra environment for the gateway only, on top of `env` (e.g. its MYSQL_URL through a
   * proxy while the workers keep the direct URL). Default: the gateway uses `env` as is.
   */
  apiEnv?: Record<string, string>;
  /**
   * The logger every component writes to, the gateway through a child `{component: 'api'}`, the
   * workers and the Temporal runtime through `{component: 'worker'}` (as api/main.ts and
   * workers/main.ts do). Default: the shop's logger at LOG_LEVEL, for all of them as is.
   */
  log?: Logger;
  /**
   * Export the Temporal SDK's metrics on 127.0.0.1:<port> (a free port, e.g. from freePort()), as
   * `npm run worker` does. Default: no SDK metrics. The first stack of a test file installs the
   * process-wide runtime: later stacks in the same file keep its choice.
   */
  sdkMetricsPort?: number;
  /** Run the workers' health and business-metrics endpoint (startWorkerHttpServer) on a random port. Needs worker pools. */
  workerHttp?: boolean;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const domains = opts.domains ?? allDomains();
  if (opts.workerHttp && !domains.length) throw new Error('startStack: workerHttp needs worker pools (domains)');
  const env = testEnv();
  const smtp = new SmtpSink();
  const smtpUrl = await smtp.start();
  const sdkMetricsBind = opts.sdkMetricsPort !== undefined ? `127.0.0.1:${opts.sdkMetricsPort}` : undefined;
  const overrides: Record<string, string> = {
    SMTP_URL: smtpUrl,
    ...(sdkMetricsBind ? { TEMPORAL_METRICS_BIND: sdkMetricsBind } : {}),
    ...(opts.env ?? {}),
  };
  const config = parseConfig(shopEnv(env, overrides));
  const log = opts.log ?? createLogger({ test: true }, config.LOG_LEVEL);
  // The SMTP sink is stopped with the shop, last (also when the start fails).
  const shop = await startShop({
    config,
    log,
    logs: opts.log ? undefined : { api: log, worker: log },
    sdkMetrics: sdkMetricsBind !== undefined,
    roles: {
      workers: { domains },
      ...(opts.workerHttp ? { workerHttp: { port: 0 } } : {}),
      api: {
        port: 0,
        host: '127.0.0.1',
        config: opts.apiEnv ? parseConfig(shopEnv(env, { ...overrides, ...opts.apiEnv })) : config,
      },
    },
    dependencies: [{ name: 'SMTP sink', stop: () => smtp.stop() }],
  });
  const api = shop.api as ApiDeps;
  const workerDeps = shop.workerDeps as WorkerDeps;
  const baseUrl = shop.apiUrl as string;

  const request = async <T = any>(method: string, path: string, o: RequestOptions = {}): Promise<HttpResponse<T>> => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.token) headers.Authorization = `Bearer ${o.token}`;
    let body: string | undefined = o.rawBody;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['Content-Type'] ??= 'application/json';
    }
    const res = await fetch(baseUrl + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  };

  let admin: string | undefined;
  const stack: Stack = {
    baseUrl,
    config,
    api,
    workers: shop.workers,
    workerConnection: shop.workerConnection,
    workerDeps,
    sdkMetricsUrl: sdkMetricsBind ? `http://${sdkMetricsBind}/metrics` : undefined,
    workerHttpUrl: shop.workerHttpUrl,
    smtp,
    request,
    async customer(name = 'Test Customer') {
      const email = `c-${randomUUID()}@example.test`;
      const password = 'correct horse battery';
      const reg = await request('POST', '/api/users/register', { body: { email, password, name } });
      // 202: accepted past a short route deadline (a busy machine); as its answer says, sign in once it has completed.
      if (reg.status !== 201 && reg.status !== 202)
        throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`);
      for (const started = Date.now(); reg.status === 202;) {
        if (await workerDeps.dataSource.getRepository(UserEntity).existsBy({ id: reg.body.id })) break;
        if (Date.now() - started > 60_000) throw new Error(`registration ${reg.body.id} did not complete in 60 s`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const login = await request('POST', '/api/users/login', { body: { email, password } });
      if (login.status !== 200)
        throw new Error(`login after registering failed: ${login.status} ${JSON.stringify(login.body)}`);
      return { id: reg.body.id, email, password, token: login.body.accessToken };
    },
    async adminToken() {
      if (admin) return admin;
      const email = `admin-${randomUUID()}@example.test`;
      const password = 'admin password 123';
      await seedAdmin(workerDeps.dataSource, {
        email,
        password,
      });
      admin = (await request('POST', '/api/users/login', { body: { email, password } })).body.accessToken as string;
      return admin;
    },
    stopWorkers: () => shop.stopWorkers(),
    stop: () => shop.stop(),
  };
  return stack;
}
