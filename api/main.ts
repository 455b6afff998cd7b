// `npm run api`: the gateway alone, until SIGINT/SIGTERM.
import { getConfig } from '../common/config';
import { rootLogger } from '../common/logger';
import { createApiDeps } from './api-deps';
import { createApp } from './app';
import { configureHttpServer } from './http-server';

async function main(): Promise<void> {
  const config = getConfig();
  const log = rootLogger().child({ component: 'api' });
  const deps = await createApiDeps(config, log);
  const server = configureHttpServer(
    createApp(deps).listen(config.PORT, () =>
      log.info({ port: config.PORT }, `gateway listening on http://localhost:${config.PORT}`),
    ),
  );
  const stop = (signal: string) => {
    log.info({ signal }, 'gateway shutting down');
    server.close(() => void deps.close().then(() => process.exit(0)));
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err) => {
  rootLogger().fatal({ err }, 'gateway failed to start');
  process.exit(1);
});
