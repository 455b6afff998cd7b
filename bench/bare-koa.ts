// The baselines that run as their own process, next to the gateway, on the same machine:
//  - GET /api/products/:id: a bare Koa app (Koa + @koa/router, nothing else) answering the same
//    product JSON the gateway serves from its cache: the floor of a Node HTTP JSON endpoint.
//  - POST /direct/orders {userId, productId, quantity}: the same order transaction as plain SQL
//    through a mysql2 pool (bench/direct-order.ts), no Temporal: what durability costs.
// Env: PORT, BENCH_PRODUCT_JSON (the product view), MYSQL_URL, MYSQL_POOL_SIZE.
// Prints `ready <port>` once listening.
import Router from '@koa/router';
import Koa from 'koa';
import { createPool } from 'mysql2/promise';
import { configureHttpServer } from '../api/http-server';
import { placeOrderDirect } from './direct-order';

async function main(): Promise<void> {
  const product = JSON.parse(process.env.BENCH_PRODUCT_JSON ?? '{}') as { id?: string };
  const pool = process.env.MYSQL_URL
    ? createPool({
        uri: process.env.MYSQL_URL.replace(/^mariadb:/, 'mysql:'),
        connectionLimit: Number(process.env.MYSQL_POOL_SIZE ?? 10),
        supportBigNumbers: true,
        timezone: 'Z',
      })
    : undefined;

  const app = new Koa();
  const router = new Router();
  router.get('/api/products/:id', (ctx) => {
    if (ctx.params.id !== product.id) {
      ctx.status = 404;
      return;
    }
    ctx.body = product;
  });
  router.post('/direct/orders', async (ctx) => {
    if (!pool) throw new Error('MYSQL_URL is not set');
    const chunks: Buffer[] = [];
    for await (const c of ctx.req) chunks.push(c as Buffer);
    const { userId, productId, quantity } = JSON.parse(Buffer.concat(chunks).toString()) as {
      userId: string;
      productId: string;
      quantity: number;
    };
    const status = await placeOrderDirect(pool, userId, productId, quantity);
    ctx.status = status === 'PAID' ? 201 : 409;
    ctx.body = { status };
  });
  app.use(router.routes());

  // The gateway's server settings, so the two differ only in what the handlers do.
  const server = configureHttpServer(
    app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
      const addr = server.address();
      process.stdout.write(`ready ${typeof addr === 'object' && addr ? addr.port : ''}\n`);
    }),
  );
  const stop = () => server.close(() => void (pool ? pool.end() : Promise.resolve()).then(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
