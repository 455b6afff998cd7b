// Starts the Temporal dev server as a child process with the shop's search attributes and the
// dynamic config update-with-start needs, and waits until it answers. Used by `npm start`
// (file persistence under DATA_DIR), the test suite and the benchmarks (in memory).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Connection } from '@temporalio/client';
import { ORDER_SEARCH_ATTRIBUTES } from '../workflows/orders/contract';

export interface DevServerOptions {
  cli: string;
  ip?: string;
  port: number;
  uiPort?: number;
  /** SQLite file for persistence; omitted → in memory. */
  dbFile?: string;
  headless?: boolean;
  namespace?: string;
  /** More `temporal server start-dev` arguments (the benchmarks' dynamic-config experiments). */
  extraArgs?: string[];
  onOutput?: (line: string) => void;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function devServerArgs(o: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', o.ip ?? '127.0.0.1', '--port', String(o.port), '--log-level', 'warn'];
  if (o.headless || !o.uiPort) args.push('--headless');
  else args.push('--ui-port', String(o.uiPort));
  if (o.dbFile) args.push('--db-filename', o.dbFile);
  if (o.namespace && o.namespace !== 'default') args.push('--namespace', o.namespace);
  for (const [key, type] of Object.entries(ORDER_SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${key}=${type}`);
  for (const kv of [
    'frontend.enableExecuteMultiOperation=true',
    'frontend.enableUpdateWorkflowExecution=true',
    'frontend.workerVersioningDataAPIs=true',
  ]) {
    args.push('--dynamic-config-value', kv);
  }
  return [...args, ...(o.extraArgs ?? [])];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function waitForTemporal(address: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await conn.workflowService.getSystemInfo({});
        return;
      } finally {
        await conn.close();
      }
    } catch (err) {
      lastErr = err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error(`Temporal at ${address} did not become ready in ${timeoutMs} ms: ${(lastErr as Error)?.message}`);
}

export async function startDevServer(o: DevServerOptions): Promise<DevServer> {
  const child = spawn(o.cli, devServerArgs(o), { stdio: ['ignore', 'pipe', 'pipe'] });
  const forward = (buf: Buffer) =>
    buf
      .toString()
      .split('\n')
      .filter(Boolean)
      .forEach((l) => o.onOutput?.(l));
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = `${o.ip ?? '127.0.0.1'}:${o.port}`;
  const early = exited.then(() => {
    throw new Error(`temporal server start-dev exited early (code ${child.exitCode})`);
  });
  await Promise.race([waitForTemporal(address), early]);
  return {
    address,
    uiUrl: o.uiPort && !o.headless ? `http://localhost:${o.uiPort}` : undefined,
    process: child,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
