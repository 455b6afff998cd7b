// The shop under test, in this process: the real gateway (on a random port) and the real
// worker pools, against the run's Temporal dev server, MariaDB, Redis and an SMTP sink.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { NativeConnection } from '@temporalio/worker';
import { createUserActivities } from '../../activities/users/user.activities';
import { createApiDeps } from '../../api/api-deps';
import { createApp } from '../../api/app';
import type { ApiDeps } from '../../api/context';
import { type Config, parseConfig } from '../../common/config';
import { createLogger } from '../../common/logger';
import { createRegistry } from '../../common/metrics';
import { connectWorkerConnection } from '../../common/temporal';
import { installRuntime, type RunningWorkers, startWorkers } from '../../workers/run-worker';
import { allDomains, specsFor } from '../../workers/specs';
import type { Domain, WorkerDeps } from '../../workers/worker-spec';
import { createWorkerDeps } from '../../workers/worker-deps';
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
  workerDeps: WorkerDeps;
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
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const env = testEnv();
  const smtp = new SmtpSink();
  const smtpUrl = await smtp.start();
  const config = parseConfig(shopEnv(env, { SMTP_URL: smtpUrl, ...(opts.env ?? {}) }));
  const log = createLogger({ test: true }, config.LOG_LEVEL);
  installRuntime(config, log, { metrics: false });

  const workerDeps = await createWorkerDeps(config, log, createRegistry('worker'));
  let connection: NativeConnection | undefined;
  let workers: RunningWorkers | undefined;
  const domains = opts.domains ?? allDomains();
  if (domains.length) {
    const c = await connectWorkerConnection(config);
    connection = c.connection;
    workers = await startWorkers(specsFor(domains), workerDeps, c.connection, c.namespace);
  }
  const apiConfig = opts.apiEnv ? parseConfig(shopEnv(env, { SMTP_URL: smtpUrl, ...(opts.env ?? {}), ...opts.apiEnv })) : config;
  const api = await createApiDeps(apiConfig, log);
  const server: Server = createApp(api).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

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
    workers,
    workerDeps,
    smtp,
    request,
    async customer(name = 'Test Customer') {
      const email = `c-${randomUUID()}@example.test`;
      const password = 'correct horse battery';
      const reg = await request('POST', '/api/users/register', { body: { email, password, name } });
      if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`);
      const login = await request('POST', '/api/users/login', { body: { email, password } });
      return { id: reg.body.id, email, password, token: login.body.accessToken };
    },
    async adminToken() {
      if (admin) return admin;
      const email = `admin-${randomUUID()}@example.test`;
      const password = 'admin password 123';
      await createUserActivities({ dataSource: workerDeps.dataSource }).seedAdmin({ userId: randomUUID(), email, password });
      admin = (await request('POST', '/api/users/login', { body: { email, password } })).body.accessToken as string;
      return admin;
    },
    async stopWorkers() {
      await workers?.shutdown();
      workers = undefined;
      await connection?.close();
      connection = undefined;
    },
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stack.stopWorkers();
      await api.close();
      await workerDeps.close();
      await smtp.stop();
    },
  };
  return stack;
}
