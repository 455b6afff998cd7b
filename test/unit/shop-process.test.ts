// The composition root's stop (reverse order, idempotent, bounded by a stuck dependency) and the
// binaries' process policy (a signal stops cleanly; an unhandled error is logged at fatal, stops
// the shop and exits non-zero). The process policy runs in a child process: it calls process.exit.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseConfig } from '../../common/config';
import { createLogger } from '../../common/logger';
import { SHUTDOWN_MARGIN_MS, shutdownBoundMs, startShop } from '../../common/shop';

const root = path.resolve(__dirname, '..', '..');

describe('startShop().stop()', () => {
  const config = parseConfig({ WORKER_SHUTDOWN_GRACE_MS: '1000' });
  const log = createLogger({}, 'silent');

  afterEach(() => jest.useRealTimers());

  it('stops what the caller started last, in reverse order, once however often it is called', async () => {
    const stopped: string[] = [];
    const dep = (name: string) => ({ name, stop: async () => void stopped.push(name) });
    const shop = await startShop({ config, log, roles: {}, dependencies: [dep('first'), dep('second')] });
    await Promise.all([shop.stop(), shop.stop()]);
    await shop.stop();
    expect(stopped).toEqual(['second', 'first']);
  });

  it('moves past a dependency that never stops and returns within the bound', async () => {
    jest.useFakeTimers();
    const stopped: string[] = [];
    const shop = await startShop({
      config,
      log,
      roles: {},
      dependencies: [
        { name: 'after', stop: async () => void stopped.push('after') },
        { name: 'stuck', stop: () => new Promise<void>(() => undefined) },
      ],
    });
    let done = false;
    void shop.stop().then(() => (done = true));
    await jest.advanceTimersByTimeAsync(shutdownBoundMs(config) - 1);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    // The steps after the stuck one still ran (with what was left of the bound).
    expect(stopped).toEqual(['after']);
    expect(shutdownBoundMs(config)).toBe(config.ROUTE_DEADLINE_MS + 1_000 + 1000 + SHUTDOWN_MARGIN_MS);
  });
});

describe('runShopProcess', () => {
  const run = (body: string) =>
    spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `const { runShopProcess } = require(${JSON.stringify(path.join(root, 'common', 'shop-process.ts'))});
         const stopped = [];
         runShopProcess('probe', require('pino')({ base: null, timestamp: false }), async () => {
           setInterval(() => undefined, 1000);
           ${body}
           return {
             config: { WORKER_SHUTDOWN_GRACE_MS: 0 },
             done: new Promise(() => undefined),
             stopWorkers: async () => undefined,
             stop: async (reason) => console.log(JSON.stringify({ stopped: reason })),
           };
         });`,
      ],
      { cwd: root, encoding: 'utf8', timeout: 90_000 }, // tsx's start alone passed 30 s on a loaded CI machine
    );
  // pino writes asynchronously (flushed at exit), console.log synchronously: compare as sets.
  const lines = (out: string) =>
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('an unhandled rejection: logged at fatal, the shop stopped, exit code 1', () => {
    const r = run(`setTimeout(() => void Promise.reject(new Error('boom')), 50);`);
    expect(r.status).toBe(1);
    expect(lines(r.stdout)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 60,
          msg: 'probe: unhandledRejection',
          err: expect.objectContaining({ message: 'boom' }),
        }),
        { stopped: 'unhandledRejection' },
      ]),
    );
  });

  it('an uncaught exception: logged at fatal, the shop stopped, exit code 1', () => {
    const r = run(`setTimeout(() => { throw new Error('sync boom'); }, 50);`);
    expect(r.status).toBe(1);
    expect(lines(r.stdout)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 60, msg: 'probe: uncaughtException' }),
        { stopped: 'uncaughtException' },
      ]),
    );
  });

  it('SIGTERM: the shop stopped, exit code 0', () => {
    const r = run(`setTimeout(() => process.kill(process.pid, 'SIGTERM'), 50);`);
    expect([r.status, lines(r.stdout)]).toEqual([0, [{ stopped: 'SIGTERM' }]]);
  });
});
