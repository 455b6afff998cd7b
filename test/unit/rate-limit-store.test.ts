// The in-process rate-limit store (used without Redis, and while Redis is down) is bounded: keys
// carry client-chosen text (addresses, e-mails), so a flood of distinct keys must not grow it
// without limit, and a bounded store must still limit each key it holds.
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { Counter, Registry } from 'prom-client';
import { BoundedLimitStore, rateLimit } from '../../api/middleware/rate-limit';

async function serve(limiter: ReturnType<typeof rateLimit>) {
  const app = new Koa();
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      ctx.status = (err as { status?: number }).status ?? 500;
    }
  });
  app.use(limiter as never);
  app.use((ctx) => {
    ctx.body = 'ok';
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((r) => server.close(r)) };
}

const rejections = () =>
  new Counter({ name: 'rl_test', help: 'x', labelNames: ['limiter'], registers: [new Registry()] });

describe('in-process rate-limit store', () => {
  it('keeps at most memoryStoreMax keys under a flood of distinct keys, and still limits each key', async () => {
    const limiter = rateLimit({
      name: 'test',
      max: 3,
      durationMs: 60_000,
      id: (ctx) => ctx.get('X-Key'),
      rejections: rejections(),
      memoryStoreMax: 50,
    });
    const { url, close } = await serve(limiter);
    try {
      for (let i = 0; i < 400; i++) await fetch(url, { headers: { 'X-Key': `flood-${i}` } });
      expect(limiter.memoryKeys()).toBeLessThanOrEqual(50);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(url, { headers: { 'X-Key': 'victim' } })).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
    } finally {
      await close();
    }
  });

  it('drops expired windows first', () => {
    const store = new BoundedLimitStore<{ reset: number }>(10);
    const now = Date.now() / 1000;
    store.set('expired-1', { reset: now - 5 });
    store.set('expired-2', { reset: now - 1 });
    store.set('live', { reset: now + 60 });
    expect([...store.keys()]).toEqual(['live']);
    // A re-initialised window moves to the end (the order of window start).
    store.set('second', { reset: now + 61 });
    store.set('live', { reset: now + 62 });
    expect([...store.keys()]).toEqual(['second', 'live']);
  });
});
