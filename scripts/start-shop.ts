// The whole shop on one machine: Temporal dev server (unless TEMPORAL_ADDRESS is set, file
// persistence under DATA_DIR), migrations, the admin account, the four worker pools and the
// gateway. With nothing configured it runs on the embedded defaults (SQLite, in-process cache
// and rate limits, e-mails as .eml files); gateway and workers share this process so the
// in-process cache stays coherent.
import path from 'node:path';
import { type Config, dataPath, getConfig } from '../common/config';
import { type Logger, rootLogger } from '../common/logger';
import { startShop } from '../common/shop';
import { runShopProcess } from '../common/shop-process';
import { allDomains } from '../workers/specs';
import { type DevServer, startDevServer } from './dev-server';
// @ts-expect-error: plain ESM helper shared with the dependency-free bootstrap
import { resolveTemporalCli } from './temporal-cli.mjs';

runShopProcess('the shop', rootLogger(), async () => {
  const base = getConfig();
  const log = rootLogger().child({ component: 'shop' });
  const devServer = base.TEMPORAL_ADDRESS ? undefined : await startEmbeddedTemporal(base, log);
  const config: Config = devServer ? { ...base, TEMPORAL_ADDRESS: devServer.address } : base;
  const shop = await startShop({
    config,
    log,
    logs: { api: rootLogger().child({ component: 'api' }), worker: rootLogger().child({ component: 'worker' }) },
    roles: {
      workers: { domains: allDomains() },
      workerHttp: { port: config.WORKER_HTTP_PORT },
      api: { port: config.PORT },
    },
    prepareDatabase: true,
    dependencies: devServer ? [{ name: 'Temporal dev server', stop: () => devServer.stop() }] : [],
  });
  process.stdout.write(banner(config, devServer));
  return shop;
});

async function startEmbeddedTemporal(config: Config, log: Logger): Promise<DevServer> {
  const cli = resolveTemporalCli({ log: (m: string) => log.info(m) }) as string;
  const dbFile = dataPath(config, 'temporal.sqlite');
  log.info({ cli, dbFile }, 'starting Temporal dev server');
  const tlog = log.child({ component: 'temporal-server' });
  return startDevServer({ cli, port: 7233, uiPort: 8233, dbFile, onOutput: (line) => tlog.debug(line) });
}

function banner(config: Config, devServer: DevServer | undefined): string {
  return [
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
  ].join('\n');
}
