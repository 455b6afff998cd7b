// The shop under test for the observability tests: the same real gateway and worker pools as
// stack.ts (createApiDeps, createApp, startWorkers), but every component logs into one captured
// pino stream, the Temporal runtime exports SDK metrics on a known port, and the workers' health
// and business-metrics endpoint runs as in production.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { createUserActivities } from '../../activities/users/user.activities';
import { createApiDeps } from '../../api/api-deps';
import { createApp } from '../../api/app';
import { type Config, parseConfig } from '../../common/config';
import type { Logger } from '../../common/logger';
import { createRegistry } from '../../common/metrics';
import { connectWorkerConnection } from '../../common/temporal';
import { freePort } from '../../scripts/dev-server';
import { installRuntime, type RunningWorkers, startWorkerHttpServer, startWorkers } from '../../workers/run-worker';
import { allDomains, specsFor } from '../../workers/specs';
import { createWorkerDeps } from '../../workers/worker-deps';
import { SmtpSink } from './smtp-sink';
import type { HttpResponse, RequestOptions } from './stack';
import { shopEnv, testEnv } from './test-env';

export type LogLine = Record<string, unknown> & { msg?: string; level?: string };

/** Every JSON line logged by the stack, in order. */
export class LogCapture extends Writable {
  readonly lines: LogLine[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.lines.push(JSON.parse(line) as LogLine);
    done();
  }
  where(pred: (l: LogLine) => boolean): LogLine[] {
    return this.lines.filter(pred);
  }
  /** Waits until some captured line satisfies `pred` (SDK logs arrive after the activation). */
  async waitFor(pred: (l: LogLine) => boolean, what: string, timeoutMs = 15_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no log line ${what} within ${timeoutMs} ms (${this.lines.length} lines captured)`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export interface ObservedStack {
  config: Config;
  logs: LogCapture;
  log: Logger;
  baseUrl: string;
  /** The Temporal SDK's Prometheus exporter of this process. */
  sdkMetricsUrl: string;
  /** The workers' /healthz, /readyz and business /metrics. */
  workerHttpUrl: string;
  workers: RunningWorkers;
  workerConnection: NativeConnection;
  api: Awaited<ReturnType<typeof createApiDeps>>;
  request<T = any>(method: string, path: string, opts?: RequestOptions): Promise<HttpResponse<T>>;
  customer(name?: string): Promise<{ id: string; email: string; password: string; token: string }>;
  adminToken(): Promise<string>;
  stop(): Promise<void>;
}

export async function startObservedStack(opts: { env?: Record<string, string> } = {}): Promise<ObservedStack> {
  const env = testEnv();
  const smtp = new SmtpSink();
  const smtpUrl = await smtp.start();
  const sdkPort = await freePort();
  const config = parseConfig(shopEnv(env, { SMTP_URL: smtpUrl, LOG_LEVEL: 'debug', TEMPORAL_METRICS_BIND: `127.0.0.1:${sdkPort}`, ...(opts.env ?? {}) }));
  const logs = new LogCapture();
  // The shop's logger options (common/logger.ts), writing into the capture instead of stdout.
  const log = pino(
    { level: 'debug', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    logs,
  );
  // The first install in this test file wins: with SDK metrics on, as `npm run worker` runs.
  installRuntime(config, log.child({ component: 'worker' }));

  const registry = createRegistry('worker');
  const workerDeps = await createWorkerDeps(config, log.child({ component: 'worker' }), registry);
  const { connection, namespace } = await connectWorkerConnection(config);
  const workers = await startWorkers(specsFor(allDomains()), workerDeps, connection, namespace);
  const workerHttp = startWorkerHttpServer(0, workers, registry, log.child({ component: 'worker' }));
  await new Promise<void>((resolve) => (workerHttp.listening ? resolve() : workerHttp.once('listening', () => resolve())));

  const api = await createApiDeps(config, log.child({ component: 'api' }));
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
  return {
    config,
    logs,
    log,
    baseUrl,
    sdkMetricsUrl: `http://127.0.0.1:${sdkPort}/metrics`,
    workerHttpUrl: `http://127.0.0.1:${(workerHttp.address() as AddressInfo).port}`,
    workers,
    workerConnection: connection,
    api,
    request,
    async customer(name = 'Observed Customer') {
      const email = `o-${randomUUID()}@example.test`;
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
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await workers.shutdown();
      workerHttp.close();
      await connection.close();
      await api.close();
      await workerDeps.close();
      await smtp.stop();
    },
  };
}
