// `npm run migrate`: applies pending migrations to the configured database and exits.
import { rootLogger } from '../common/logger';
import { createDataSource, dbDriver, migrate } from './data-source';
import { getConfig } from '../common/config';

async function main(): Promise<void> {
  const log = rootLogger().child({ component: 'migrate' });
  const ds = createDataSource(getConfig(), { poolSize: 1 });
  try {
    const applied = await migrate(ds);
    log.info({ driver: dbDriver(getConfig()), applied }, applied.length ? 'migrations applied' : 'schema up to date');
  } finally {
    await ds.destroy();
  }
}

main().catch((err) => {
  rootLogger().fatal({ err }, 'migration failed');
  process.exit(1);
});
