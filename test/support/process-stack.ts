// The shop as separate OS processes, the way it runs in production: the Temporal dev server,
// the gateway and one process per worker pool, from the compiled dist/ (prebuilt bundles).
// Used by the fault-injection runner and the benchmarks, which kill, restart and measure
// individual processes.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type DevServer, freePort, startDevServer } from '../../scripts/dev-server';

const root = path.resolve(__dirname, '..', '..');
const dist = (...p: string[]) => path.join(root, 'dist', ...p);

export interface ProcessStackOptions {
  env: NodeJS.ProcessEnv;
  domains: string[];
  /** Use this Temporal server instead of starting one. */
  temporalAddress?: string;
  cli?: string;
  /** File persistence for the started dev server (so it can be restarted mid-run). */
  devServerDbFile?: string;
  onLog?: (source: string, line: string) => void;
}

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  httpPort: number;
}

export interface ProcessStack {
  apiUrl: string;
  temporalAddress: string;
  processes: Map<string, ManagedProcess>;
  devServer?: DevServer;
  start(name: string): Promise<ManagedProcess>;
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  restartDevServer(): Promise<void>;
  stop(): Promise<void>;
}

async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not healthy within ${timeoutMs} ms`);
}

export async function startProcessStack(o: ProcessStackOptions): Promise<ProcessStack> {
  if (!existsSync(dist('workers', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  let devServer: DevServer | undefined;
  let devPort = 0;
  let temporalAddress = o.temporalAddress;
  if (!temporalAddress) {
    if (!o.cli) throw new Error('cli (path of the temporal CLI) is required to start a dev server');
    devPort = await freePort();
    devServer = await startDevServer({
      cli: o.cli,
      port: devPort,
      headless: true,
      dbFile: o.devServerDbFile,
      onOutput: (l) => o.onLog?.('temporal', l),
    });
    temporalAddress = devServer.address;
  }
  const processes = new Map<string, ManagedProcess>();
  const apiPort = await freePort();

  const start = async (name: string): Promise<ManagedProcess> => {
    const httpPort = name === 'api' ? apiPort : await freePort();
    const args = name === 'api' ? [dist('api', 'main.js')] : [dist('workers', 'main.js'), name];
    const env = {
      ...o.env,
      TEMPORAL_ADDRESS: temporalAddress,
      PORT: String(apiPort),
      WORKER_HTTP_PORT: String(httpPort),
      TEMPORAL_METRICS_BIND: `127.0.0.1:${await freePort()}`,
      WORKFLOW_BUNDLE_DIR: dist('workflow-bundles'),
    };
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const forward = (buf: Buffer) =>
      buf
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((l) => o.onLog?.(name, l));
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    const proc = { name, child, httpPort };
    processes.set(name, proc);
    await waitForHttp(`http://127.0.0.1:${httpPort}/${name === 'api' ? 'healthz' : 'readyz'}`);
    return proc;
  };

  const kill = async (name: string, signal: NodeJS.Signals = 'SIGTERM') => {
    const p = processes.get(name);
    if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
    p.child.kill(signal);
    const timer = setTimeout(() => p.child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
    processes.delete(name);
  };

  for (const d of o.domains) await start(d);
  await start('api');

  return {
    apiUrl: `http://127.0.0.1:${apiPort}`,
    temporalAddress,
    processes,
    devServer,
    start,
    kill,
    async restartDevServer() {
      if (!devServer || !o.cli) throw new Error('the stack did not start the dev server');
      await devServer.stop('SIGTERM');
      devServer = await startDevServer({
        cli: o.cli,
        port: devPort,
        headless: true,
        dbFile: o.devServerDbFile,
        onOutput: (l) => o.onLog?.('temporal', l),
      });
    },
    async stop() {
      for (const name of [...processes.keys()]) await kill(name, 'SIGTERM');
      await devServer?.stop();
    },
  };
}
