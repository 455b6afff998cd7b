// /api/orders (orders issue): placeholder router until the orders domain lands.
import Router from '@koa/router';
import type { ApiDeps, ShopState } from '../context';

export function ordersRouter(_deps: ApiDeps): Router<ShopState> {
  return new Router<ShopState>({ prefix: '/api/orders' });
}
