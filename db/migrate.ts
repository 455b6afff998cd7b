// `npm run migrate` (and the migration Job/one-shot in compose and Kubernetes): applies pending
// migrations, then creates or promotes the admin account when ADMIN_EMAIL/ADMIN_PASSWORD are
// set, so deployments get their admin the same way `npm start` does.
import { seedAdmin } from './seed-admin';
import { getConfig } from '../common/config';
import { rootLogger } from '../common/logger';
import { createDataSource, dbDriver, migrate } from './data-source';

async function main(): Promise<void> {
  const config = getConfig();
  const log = rootLogger().child({ component: 'migrate' });
  const ds = createDataSource(config, { poolSize: 1 });
  try {
    const applied = await migrate(ds);
    log.info({ driver: dbDriver(config), applied }, applied.length ? 'migrations applied' : 'schema up to date');
    if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
      const admin = await seedAdmin(ds, {
        email: config.ADMIN_EMAIL,
        password: config.ADMIN_PASSWORD,
      });
      log.info({ userId: admin.id }, 'admin account ready');
    }
  } finally {
    await ds.destroy();
  }
}

main().catch((err) => {
  rootLogger().fatal({ err }, 'migration failed');
  process.exit(1);
});
