// The whole shop on one machine: Temporal dev server (unless TEMPORAL_ADDRESS is set, file
// persistence under DATA_DIR), migrations, the admin account, the four worker pools and the
// gateway. With nothing configured it runs on the embedded defaults (SQLite, in-process cache
// and rate limits, e-mails as .eml files); gateway and workers share this process so the
// in-process cache stays coherent.
import path from 'node:path';
import { seedAdmin } from '../db/seed-admin';
import { createApiDeps } from '../api/api-deps';
import { createApp } from '../api/app';
import { configureHttpServer } from '../api/http-server';
import { MemoryCache } from '../common/cache';
import { type Config, dataPath, getConfig } from '../common/config';
import { rootLogger } from '../common/logger';
import { createRegistry } from '../common/metrics';
import { connectWorkerConnection } from '../common/temporal';
import { dbDriver, migrate } from '../db/data-source';
import { installRuntime, startWorkerHttpServer, startWorkers } from '../workers/run-worker';
import { allDomains, specsFor } from '../workers/specs';
import { createWorkerDeps } from '../workers/worker-deps';
import { type DevServer, startDevServer } from './dev-server';
// @ts-expect-error: plain ESM helper shared with the dependency-free bootstrap
import { resolveTemporalCli } from './temporal-cli.mjs';

async function main(): Promise<void> {
  const base = getConfig();
  const log = rootLogger().child({ component: 'shop' });
  let devServer: DevServer | undefined;
  let config: Config = base;

  if (!base.TEMPORAL_ADDRESS) {
    const cli = resolveTemporalCli({ log: (m: string) => log.info(m) }) as string;
    const dbFile = dataPath(base, 'temporal.sqlite');
    log.info({ cli, dbFile }, 'starting Temporal dev server');
    const tlog = log.child({ component: 'temporal-server' });
    devServer = await startDevServer({ cli, port: 7233, uiPort: 8233, dbFile, onOutput: (line) => tlog.debug(line) });
    config = { ...base, TEMPORAL_ADDRESS: devServer.address };
  }

  const sharedCache = config.REDIS_URL ? undefined : new MemoryCache();
  const registry = createRegistry('worker');
  installRuntime(config, rootLogger().child({ component: 'worker' }));
  const workerDeps = await createWorkerDeps(config, rootLogger().child({ component: 'worker' }), registry, {
    cache: sharedCache,
  });
  const applied = await migrate(workerDeps.dataSource);
  log.info({ driver: dbDriver(config), applied }, applied.length ? 'migrations applied' : 'database schema up to date');

  if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
    const admin = await seedAdmin(workerDeps.dataSource, {
      email: config.ADMIN_EMAIL,
      password: config.ADMIN_PASSWORD,
    });
    log.info({ userId: admin.id }, 'admin account ready');
  }

  const { connection, namespace } = await connectWorkerConnection(config);
  const running = await startWorkers(specsFor(allDomains()), workerDeps, connection, namespace);
  const workerHttp = startWorkerHttpServer(config.WORKER_HTTP_PORT, running, registry, log);
  const apiDeps = await createApiDeps(config, rootLogger().child({ component: 'api' }), { cache: sharedCache });
  const server = configureHttpServer(createApp(apiDeps).listen(config.PORT));
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));

  const lines = [
    '',
    'Temporal Shop is up:',
    `  API          http://localhost:${config.PORT}/api   (docs: http://localhost:${config.PORT}/api/docs)`,
    `  Web UI       ${devServer?.uiUrl ?? `(external Temporal at ${config.TEMPORAL_ADDRESS})`}`,
    `  Metrics      http://localhost:${config.PORT}/metrics (gateway), http://localhost:${config.WORKER_HTTP_PORT}/metrics (workers), http://${config.TEMPORAL_METRICS_BIND.replace('0.0.0.0', 'localhost')}/metrics (Temporal SDK)`,
    `  Database     ${config.MYSQL_URL ? 'MySQL (MYSQL_URL)' : `SQLite ${dataPath(config, 'shop.sqlite')}`}`,
    `  Cache        ${config.REDIS_URL ? 'Redis (REDIS_URL)' : 'in-process'}`,
    `  E-mail       ${config.SMTP_URL ? 'SMTP (SMTP_URL)' : `.eml files in ${path.join(path.resolve(config.DATA_DIR), 'outbox')}`}`,
    `  Workers      ${allDomains().join(', ')}`,
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping the shop');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await running.shutdown();
    workerHttp.close();
    await apiDeps.close();
    await connection.close();
    await workerDeps.close();
    await devServer?.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  rootLogger().fatal({ err }, 'the shop failed to start');
  process.exit(1);
});
