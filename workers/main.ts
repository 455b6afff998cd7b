// `npm run worker -- <domain...>`: runs the named worker pools (all of them when none named)
// in this process until SIGINT/SIGTERM, then drains and exits.
import { getConfig } from '../common/config';
import { rootLogger } from '../common/logger';
import { createRegistry } from '../common/metrics';
import { connectWorkerConnection } from '../common/temporal';
import { installRuntime, startWorkerHttpServer, startWorkers } from './run-worker';
import { allDomains, specsFor } from './specs';
import { createWorkerDeps } from './worker-deps';

async function main(): Promise<void> {
  const config = getConfig();
  const domains = process.argv.slice(2).length ? process.argv.slice(2) : allDomains();
  const specs = specsFor(domains);
  const log = rootLogger().child({ component: 'worker', domains });
  installRuntime(config, log);
  const registry = createRegistry('worker');
  const deps = await createWorkerDeps(config, log, registry);
  const { connection, namespace } = await connectWorkerConnection(config);
  const running = await startWorkers(specs, deps, connection, namespace);
  const http = startWorkerHttpServer(config.WORKER_HTTP_PORT, running, registry, log);

  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => (stopping ??= drain(signal));
  const drain = async (signal: string) => {
    log.info({ signal, graceMs: config.WORKER_SHUTDOWN_GRACE_MS }, 'shutting down workers');
    await running.shutdown();
    http.close();
    await connection.close();
    await deps.close();
    log.info('workers stopped');
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await running.done;
  await stop('workers-exited');
  // The Temporal native runtime keeps the event loop alive after the workers have drained.
  process.exit(0);
}

main().catch((err) => {
  rootLogger().fatal({ err }, 'worker failed');
  process.exit(1);
});
