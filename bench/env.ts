// The benchmark's world: a throwaway MariaDB database and Redis key prefix per run, an SMTP
// sink, the shop as separate processes (test/support/process-stack.ts: dev server in memory, gateway,
// one process per worker pool, from dist/), the trivial-workflow worker and the bare Koa /
// direct-SQL baseline process, all on 127.0.0.1. Everything started here is stopped, and the
// database dropped, by teardown().
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Redis } from 'ioredis';
import { createConnection, createPool, type Pool } from 'mysql2/promise';
import { seedAdmin } from '../db/seed-admin';
import { parseConfig } from '../common/config';
import { createDataSource, migrate } from '../db/data-source';
import { type DevServer, freePort, startDevServer } from '../scripts/dev-server';
import { type ProcessStack, startProcessStack } from '../test/support/process-stack';
import { send } from './load';
import { pidsOf } from './proc';

const root = path.resolve(__dirname, '..');

export interface Child {
  name: string;
  child: ChildProcess;
  readyLine: string;
  stop(): Promise<void>;
}

/** Spawns a helper process and waits for its `ready ...` line on stdout. */
export async function startChild(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  log: (l: string) => void,
  timeoutMs = 120_000,
): Promise<Child> {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const keep = (buf: Buffer) => {
    for (const l of buf.toString().split('\n').filter(Boolean)) {
      tail.push(l);
      if (tail.length > 50) tail.shift();
    }
  };
  child.stderr?.on('data', keep);
  const readyLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} not ready within ${timeoutMs} ms:\n${tail.join('\n')}`)),
      timeoutMs,
    );
    let buffered = '';
    child.stdout?.on('data', (buf: Buffer) => {
      buffered += buf.toString();
      const line = buffered.split('\n').find((l) => l.startsWith('ready'));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
      if (buffered.length > 10_000) buffered = buffered.slice(-1000);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (code ${code}) before it was ready:\n${tail.join('\n')}`));
    });
  });
  child.stdout?.on('data', () => undefined);
  log(`${name} ready (pid ${child.pid})`);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    name,
    child,
    readyLine,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface Customer {
  id: string;
  email: string;
  token: string;
}

export interface BenchEnv {
  runId: string;
  database: string;
  mysqlUrl: string;
  redisPrefix: string;
  stack: ProcessStack;
  apiUrl: string;
  bareUrl: string;
  temporal: Client;
  /** Pool for the bench's own bookkeeping queries (order completion polling, counts). */
  db: Pool;
  smtpControlUrl: string;
  adminToken: string;
  customers: Customer[];
  /** The product the catalog-read scenario reads (never ordered, so never invalidated). */
  readProduct: Record<string, unknown> & { id: string };
  /** Products orders are spread over (large stock). */
  orderProducts: string[];
  children: Child[];
  /** The environment of the shop's processes; a process restarted with restartShopProcess() sees changes. */
  shopEnv: NodeJS.ProcessEnv;
  /** Restarts one of the shop's processes (api, users, catalog, orders, notifications) with the current shopEnv. */
  restartShopProcess(name: string): Promise<void>;
  /** Replaces the dev server (in memory: state is lost) with one started with these extra arguments. */
  restartDevServer(extraArgs: string[]): Promise<void>;
  /** name → pid of every process of the run (for CPU and memory accounting). */
  pids(): Record<string, number | undefined>;
  teardown(): Promise<void>;
}

export interface EnvOptions {
  customers: number;
  orderProducts: number;
  /** Extra arguments of `temporal server start-dev` (dynamic config experiments). */
  devServerExtraArgs?: string[];
  /** Extra environment for the shop's processes (tuning experiments). */
  shopEnv?: Record<string, string>;
  log: (m: string) => void;
}

export function temporalCli(): string {
  const out = spawnSync(process.execPath, [path.join(root, 'scripts', 'temporal-cli.mjs')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (out.status !== 0) throw new Error('could not obtain the temporal CLI (see above)');
  return out.stdout.trim();
}

export async function setupEnv(o: EnvOptions): Promise<BenchEnv> {
  const log = o.log;
  const runId = `${Date.now()}_${process.pid}`;
  const adminUrl = (process.env.BENCH_MYSQL_URL ?? 'mariadb://root@127.0.0.1:3306').replace(/\/$/, '');
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
  const database = `shop_bench_${runId}`;
  const mysqlUrl = `${adminUrl}/${database}`;
  const redisPrefix = `shop-bench:${runId}:`;
  const children: Child[] = [];
  let stack: ProcessStack | undefined;
  let devServer: DevServer | undefined;
  let temporalConn: Connection | undefined;
  let db: Pool | undefined;

  const teardown = async () => {
    await temporalConn?.close().catch(() => undefined);
    await db?.end().catch(() => undefined);
    for (const c of children.reverse()) await c.stop().catch(() => undefined);
    await stack?.stop().catch((err) => log(`stack stop: ${(err as Error).message}`));
    await devServer?.stop().catch(() => undefined);
    try {
      const conn = await createConnection({ uri: adminUrl.replace(/^mariadb:/, 'mysql:') });
      await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await conn.end();
    } catch (err) {
      log(`could not drop ${database}: ${(err as Error).message}`);
    }
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
    } catch (err) {
      log(`could not clear Redis keys ${redisPrefix}*: ${(err as Error).message}`);
    } finally {
      redis.disconnect();
    }
  };

  try {
    const cli = temporalCli();
    const conn = await createConnection({ uri: adminUrl.replace(/^mariadb:/, 'mysql:') });
    await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await conn.end();
    const config = parseConfig({ MYSQL_URL: mysqlUrl });
    const ds = createDataSource(config, { poolSize: 2 });
    await migrate(ds);
    const adminEmail = 'bench-admin@shop.local';
    const adminPassword = `bench-${randomUUID()}`;
    await seedAdmin(ds, {
      email: adminEmail,
      password: adminPassword,
    });
    await ds.destroy();
    log(`database ${database} migrated`);

    const smtp = await startChild(
      'smtp-sink',
      ['--import', 'tsx', path.join(__dirname, 'smtp-sink.ts')],
      process.env,
      log,
    );
    children.push(smtp);
    const [, smtpPort, controlPort] = smtp.readyLine.split(' ');

    const shopEnv: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      MYSQL_URL: mysqlUrl,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: redisPrefix,
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      JWT_SECRET: `bench-${randomUUID()}-${randomUUID()}`,
      RATE_LIMIT_MAX: '1000000000',
      LOGIN_RATE_LIMIT_MAX: '1000000000',
      MAX_OPEN_ORDERS_PER_CUSTOMER: '1000000000',
      MAX_OPEN_UNITS_PER_CUSTOMER: '1000000000',
      LOG_LEVEL: 'info',
      DATA_DIR: path.join(root, '.data', `bench-${runId}`),
      WORKER_SHUTDOWN_GRACE_MS: '2000',
      ...o.shopEnv,
    };
    const logTail: string[] = [];
    // The dev server is started here rather than by the process stack, so that experiments can
    // replace it with one started with other dynamic configuration (restartDevServer).
    const devPort = await freePort();
    const startServer = (extraArgs: string[]): Promise<DevServer> =>
      startDevServer({ cli, port: devPort, headless: true, extraArgs });
    devServer = await startServer(o.devServerExtraArgs ?? []);
    stack = await startProcessStack({
      env: shopEnv,
      domains: ['users', 'catalog', 'orders', 'notifications'],
      temporalAddress: devServer.address,
      // Kept for diagnostics only: warnings and errors of every process, last 200 lines.
      onLog: (source, line) => {
        if (process.env.BENCH_VERBOSE) process.stderr.write(`${source}: ${line.slice(0, 400)}\n`);
        if (!/"level":"(warn|error|fatal)"/.test(line) && source !== 'temporal') return;
        logTail.push(`${source}: ${line.slice(0, 400)}`);
        if (logTail.length > 200) logTail.shift();
      },
    });
    (globalThis as Record<string, unknown>).__benchLogTail = logTail;
    log(`stack up: gateway ${stack.apiUrl}, Temporal ${stack.temporalAddress}`);

    temporalConn = await Connection.connect({ address: stack.temporalAddress });
    const temporal = new Client({ connection: temporalConn });
    children.push(
      await startChild(
        'trivial-worker',
        ['--import', 'tsx', path.join(__dirname, 'trivial', 'trivial-worker.ts')],
        { ...process.env, TEMPORAL_ADDRESS: stack.temporalAddress },
        log,
      ),
    );

    // Accounts and catalog through the public API.
    const apiUrl = stack.apiUrl;
    const json = async (method: string, p: string, body?: unknown, token?: string) => {
      const res = await send(apiUrl, {
        method,
        path: p,
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      if (res.status >= 300) throw new Error(`${method} ${p} → ${res.status} ${res.body.slice(0, 300)}`);
      return JSON.parse(res.body || 'null');
    };
    const adminToken = (await json('POST', '/api/users/login', { email: adminEmail, password: adminPassword }))
      .accessToken as string;
    const customers: Customer[] = [];
    for (let i = 0; i < o.customers; i += 5) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(5, o.customers - i) }, async (_, k) => {
          const email = `bench-customer-${i + k}@shop.local`;
          const password = 'bench-password-1';
          const user = await json('POST', '/api/users/register', { email, password, name: `Customer ${i + k}` });
          const token = (await json('POST', '/api/users/login', { email, password })).accessToken as string;
          return { id: user.id as string, email, token };
        }),
      );
      customers.push(...batch);
    }
    const readProduct = await json(
      'POST',
      '/api/products',
      {
        name: 'Benchmark read product',
        description: 'A product of typical size: '.padEnd(300, 'x'),
        priceCents: 2499,
        stock: 1000,
        sku: `BENCH-READ-${runId}`,
      },
      adminToken,
    );
    const orderProducts: string[] = [];
    for (let i = 0; i < o.orderProducts; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(10, o.orderProducts - i) }, (_, k) =>
          json(
            'POST',
            '/api/products',
            {
              name: `Benchmark product ${i + k}`,
              description: 'ordered by the benchmark',
              priceCents: 1000 + i + k,
              stock: 100_000_000,
            },
            adminToken,
          ),
        ),
      );
      orderProducts.push(...batch.map((p: { id: string }) => p.id));
    }
    log(`${customers.length} customers, ${orderProducts.length + 1} products`);

    const bare = await startChild(
      'bare-koa',
      ['--import', 'tsx', path.join(__dirname, 'bare-koa.ts')],
      {
        ...process.env,
        PORT: '0',
        BENCH_PRODUCT_JSON: JSON.stringify(readProduct),
        MYSQL_URL: mysqlUrl,
        MYSQL_POOL_SIZE: shopEnv.MYSQL_POOL_SIZE ?? '10',
      },
      log,
    );
    children.push(bare);
    const bareUrl = `http://127.0.0.1:${bare.readyLine.split(' ')[1]}`;

    db = createPool({ uri: mysqlUrl.replace(/^mariadb:/, 'mysql:'), connectionLimit: 2 });
    const s = stack;
    const mariadb = pidsOf('mariadbd')[0] ?? pidsOf('mysqld')[0];
    const redisPid = pidsOf('redis-server')[0];
    return {
      runId,
      database,
      mysqlUrl,
      redisPrefix,
      stack: s,
      apiUrl,
      bareUrl,
      temporal,
      db,
      smtpControlUrl: `http://127.0.0.1:${controlPort}`,
      adminToken,
      customers,
      readProduct,
      orderProducts,
      children,
      shopEnv,
      async restartShopProcess(name: string) {
        await s.kill(name, 'SIGTERM');
        await s.start(name);
      },
      async restartDevServer(extraArgs: string[]) {
        await devServer?.stop();
        devServer = await startServer(extraArgs);
        // Workers and clients reconnect on their own; wait until every pool polls again.
        for (const name of ['users', 'catalog', 'orders', 'notifications']) {
          const p = s.processes.get(name);
          if (p) await waitReady(`http://127.0.0.1:${p.httpPort}/readyz`);
        }
      },
      pids: () => ({
        gateway: s.processes.get('api')?.child.pid,
        'worker:users': s.processes.get('users')?.child.pid,
        'worker:catalog': s.processes.get('catalog')?.child.pid,
        'worker:orders': s.processes.get('orders')?.child.pid,
        'worker:notifications': s.processes.get('notifications')?.child.pid,
        'temporal-dev-server': devServer?.process.pid,
        'trivial-worker': children.find((c) => c.name === 'trivial-worker')?.child.pid,
        'bare-koa+direct': bare.child.pid,
        'smtp-sink': smtp.child.pid,
        'bench (load generator)': process.pid,
        mariadb,
        redis: redisPid,
      }),
      teardown,
    };
  } catch (err) {
    await teardown();
    throw err;
  }
}

async function waitReady(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms`);
}

/** The last warning/error lines of the shop's processes (for a failed step's diagnostics). */
export function recentShopLogs(): string[] {
  return ((globalThis as Record<string, unknown>).__benchLogTail as string[] | undefined) ?? [];
}
