// `npm run worker -- <domain...>`: runs the named worker pools (all of them when none named)
// in this process until SIGINT/SIGTERM, then drains and exits.
import { getConfig } from '../common/config';
import { rootLogger } from '../common/logger';
import { startShop } from '../common/shop';
import { runShopProcess } from '../common/shop-process';
import { allDomains, specsFor } from './specs';

runShopProcess('worker', rootLogger(), async () => {
  const config = getConfig();
  const domains = specsFor(process.argv.slice(2).length ? process.argv.slice(2) : allDomains()).map((s) => s.domain);
  const log = rootLogger().child({ component: 'worker', domains });
  return startShop({
    config,
    log,
    logs: { worker: log },
    roles: { workers: { domains }, workerHttp: { port: config.WORKER_HTTP_PORT } },
  });
});
