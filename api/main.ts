// `npm run api`: the gateway alone, until SIGINT/SIGTERM.
import { getConfig } from '../common/config';
import { rootLogger } from '../common/logger';
import { startShop } from '../common/shop';
import { runShopProcess } from '../common/shop-process';

runShopProcess('gateway', rootLogger(), async () => {
  const config = getConfig();
  const log = rootLogger().child({ component: 'api' });
  return startShop({ config, log, logs: { api: log }, roles: { api: { port: config.PORT } } });
});
