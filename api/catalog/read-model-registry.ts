// One read model per gateway (per ApiDeps): the coalescing map and the cache breaker are
// process-wide state. Tests reach the same instance to read its counters.
import { businessMetrics } from '../../common/metrics';
import type { ApiDeps } from '../context';
import { productCacheStoreFor } from './product-cache-store';
import { TypeOrmProductSource } from './catalog.queries';
import { ProductReadModel } from './product-read-model';

const models = new WeakMap<ApiDeps, ProductReadModel>();

export function productReadModelFor(deps: ApiDeps): ProductReadModel {
  let model = models.get(deps);
  if (!model) {
    model = new ProductReadModel({
      source: new TypeOrmProductSource(deps.dataSource),
      store: productCacheStoreFor(deps.cache, deps.redis),
      ttlSeconds: deps.config.CACHE_TTL_SECONDS,
      cacheRequests: businessMetrics(deps.metrics).cache,
      log: deps.log.child({ component: 'catalog-read' }),
    });
    models.set(deps, model);
  }
  return model;
}
