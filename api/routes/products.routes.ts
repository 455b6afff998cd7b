// /api/products (catalog issue): placeholder router until the catalog domain lands.
import Router from '@koa/router';
import type { ApiDeps, ShopState } from '../context';

export function productsRouter(_deps: ApiDeps): Router<ShopState> {
  return new Router<ShopState>({ prefix: '/api/products' });
}
