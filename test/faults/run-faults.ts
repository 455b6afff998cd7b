// `npm run test:faults`: fault injection against the shop running as real, separate processes
// (Temporal dev server with file persistence, gateway, one process per worker pool), with
// MySQL and Redis reached through TCP proxies the runner can cut. A stream of orders (visa,
// declined and flaky cards; some cancelled, some shipped) and catalog reads runs through
// four scenarios: worker pools SIGKILLed and restarted, the Temporal server restarted, MySQL
// unreachable, Redis unreachable. Clients behave like real ones: they retry 503s and network
// errors with the same Idempotency-Key. The run ends with a reconciliation of orders,
// payments, reservations, stock and e-mails; any violation fails it.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { seedAdmin } from '../../db/seed-admin';
import { parseConfig } from '../../common/config';
import { createDataSource, migrate } from '../../db/data-source';
import { startProcessStack, type ProcessStack } from '../support/process-stack';
import { SmtpSink } from '../support/smtp-sink';
import { TcpProxy } from '../support/tcp-proxy';
import { reconcile, type Snapshot } from './reconcile';

const root = path.resolve(__dirname, '..', '..');
const DOMAINS = ['users', 'catalog', 'orders', 'notifications'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)];

interface Counters {
  requests: number;
  status500: number;
  status503: number;
  networkErrors: number;
  retries: number;
  cachedReads: number;
  cachedReadFailures: number;
  staleReads: number;
  faults: string[];
}

const counters: Counters = {
  requests: 0,
  status500: 0,
  status503: 0,
  networkErrors: 0,
  retries: 0,
  cachedReads: 0,
  cachedReadFailures: 0,
  staleReads: 0,
  faults: [],
};
const accepted = new Set<string>();
const rejected = { outOfStock: 0, other: 0 };

async function http(
  base: string,
  method: string,
  p: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  counters.requests++;
  const res = await fetch(base + p, {
    method,
    headers: {
      ...(opts.body ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    body: opts.body ? JSON.stringify(opts.body) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (res.status === 500) counters.status500++;
  if (res.status === 503) counters.status503++;
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Like a well-behaved client: retries 503 and network errors (same request, same key). */
async function withRetries<T>(
  call: () => Promise<T & { status: number }>,
  attempts = 10,
): Promise<(T & { status: number }) | undefined> {
  for (let i = 0; i < attempts; i++) {
    try {
      const res = await call();
      if (res.status !== 503 && res.status !== 502 && res.status !== 504) return res;
    } catch {
      counters.networkErrors++;
    }
    counters.retries++;
    await sleep(Math.min(500 * 2 ** i, 5000));
  }
  return undefined;
}

interface World {
  stack: ProcessStack;
  adminToken: string;
  customers: { id: string; token: string }[];
  orderable: string[];
  display: string[];
}

async function placeOrder(w: World): Promise<void> {
  const customer = pick(w.customers);
  const r = Math.random();
  const paymentMethod = r < 0.7 ? 'pm_card_visa' : r < 0.85 ? 'pm_card_chargeDeclined' : 'pm_card_flaky';
  const body = {
    items: [{ productId: pick(w.orderable), quantity: 1 + Math.floor(Math.random() * 2) }],
    paymentMethod,
  };
  const key = randomUUID();
  const res = await withRetries(() =>
    http(w.stack.apiUrl, 'POST', '/api/orders', { token: customer.token, body, headers: { 'Idempotency-Key': key } }),
  );
  if (!res) return void rejected.other++;
  if (res.status === 201 || res.status === 200 || res.status === 202) {
    const id = res.body.id as string;
    accepted.add(id);
    const fate = Math.random();
    if (fate < 0.25) {
      await sleep(500 + Math.random() * 2500);
      await withRetries(() => http(w.stack.apiUrl, 'PUT', `/api/orders/${id}/cancel`, { token: customer.token }));
    } else if (fate < 0.35) {
      await sleep(1500 + Math.random() * 2000);
      await withRetries(() => http(w.stack.apiUrl, 'PUT', `/api/orders/${id}/ship`, { token: w.adminToken }));
    }
  } else if (res.status === 409) rejected.outOfStock++;
  else rejected.other++;
}

async function browse(w: World): Promise<void> {
  const res = await http(w.stack.apiUrl, 'GET', `/api/products/${pick(w.display)}`).catch(() => undefined);
  counters.cachedReads++;
  if (!res || res.status !== 200) counters.cachedReadFailures++;
  else if (res.headers.get('x-cache') === 'STALE') counters.staleReads++;
}

/** Orders at `rate`/s and catalog reads at 4/s for `seconds`, while `chaos` runs. */
async function traffic(w: World, seconds: number, rate: number, chaos: () => Promise<void>): Promise<void> {
  const inflight: Promise<void>[] = [];
  const end = Date.now() + seconds * 1000;
  const chaosDone = chaos();
  let i = 0;
  while (Date.now() < end) {
    inflight.push(placeOrder(w).catch((err) => void counters.faults.push(`client error: ${(err as Error).message}`)));
    if (i++ % 2 === 0) for (let k = 0; k < Math.ceil(8 / rate); k++) inflight.push(browse(w));
    await sleep(1000 / rate);
  }
  await chaosDone;
  await Promise.all(inflight);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'shop-faults-'));
  const logFile = path.join(tmp, 'processes.log');
  const cli = spawnSync(process.execPath, [path.join(root, 'scripts', 'temporal-cli.mjs')], {
    encoding: 'utf8',
  }).stdout.trim();
  const adminUrl = process.env.TEST_MYSQL_URL ?? 'mariadb://root@127.0.0.1:3306';
  const database = `shop_faults_${Date.now()}`;
  const admin = await createConnection({ uri: adminUrl.replace(/^mariadb:/, 'mysql:') });
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  const directUrl = `${adminUrl}/${database}`;
  const direct = createDataSource(parseConfig({ MYSQL_URL: directUrl }), { poolSize: 2 });
  await migrate(direct);

  const mysqlProxy = await TcpProxy.start({
    targetPort: Number(new URL(adminUrl.replace(/^mariadb:/, 'mysql:')).port || 3306),
  });
  const redisProxy = await TcpProxy.start({ targetPort: 6379 });
  const smtp = new SmtpSink();
  const smtpUrl = await smtp.start();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    MYSQL_URL: `mariadb://root@127.0.0.1:${mysqlProxy.port}/${database}`,
    REDIS_URL: `redis://127.0.0.1:${redisProxy.port}/0`,
    REDIS_KEY_PREFIX: `faults:${database}:`,
    SMTP_URL: smtpUrl,
    JWT_SECRET: randomUUID() + randomUUID(),
    DATA_DIR: tmp,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '1000000',
    LOGIN_RATE_LIMIT_MAX: '1000000',
    MAX_OPEN_ORDERS_PER_CUSTOMER: '1000000',
    MAX_OPEN_UNITS_PER_CUSTOMER: '1000000',
    CACHE_TTL_SECONDS: '2',
    WORKER_SHUTDOWN_GRACE_MS: '3000',
  };
  console.log(`[faults] database ${database}, logs ${logFile}`);
  const stack = await startProcessStack({
    env,
    domains: DOMAINS,
    cli,
    devServerDbFile: path.join(tmp, 'temporal.sqlite'),
    onLog: (src, line) => appendFileSync(logFile, `${src} ${line}\n`),
  });

  let exitCode = 1;
  try {
    // --- the shop's world: an admin, customers, orderable and display-only products
    const adminEmail = `admin-${randomUUID()}@example.test`;
    await seedAdmin(direct, {
      email: adminEmail,
      password: 'admin password 123',
    });
    const adminToken = (
      await http(stack.apiUrl, 'POST', '/api/users/login', {
        body: { email: adminEmail, password: 'admin password 123' },
      })
    ).body.accessToken as string;
    const customers: World['customers'] = [];
    for (let i = 0; i < 6; i++) {
      const email = `c${i}-${randomUUID()}@example.test`;
      const reg = await http(stack.apiUrl, 'POST', '/api/users/register', {
        body: { email, password: 'password123', name: `Customer ${i}` },
      });
      const login = await http(stack.apiUrl, 'POST', '/api/users/login', { body: { email, password: 'password123' } });
      customers.push({ id: reg.body.id, token: login.body.accessToken });
    }
    const product = async (name: string, stock: number) =>
      (
        await http(stack.apiUrl, 'POST', '/api/products', {
          token: adminToken,
          body: { name, description: 'fault test', priceCents: 1999, stock },
        })
      ).body.id as string;
    const orderable: string[] = [];
    for (let i = 0; i < 4; i++) orderable.push(await product(`Orderable ${i}`, 60));
    const display: string[] = [];
    for (let i = 0; i < 3; i++) display.push(await product(`Display ${i}`, 1000));
    const initialStock: Record<string, number> = Object.fromEntries(
      [...orderable, ...display].map((id) => [id, orderable.includes(id) ? 60 : 1000]),
    );
    const w: World = { stack, adminToken, customers, orderable, display };
    for (const id of display) await http(stack.apiUrl, 'GET', `/api/products/${id}`); // prime the cache

    // --- scenario 1: SIGKILL each worker pool repeatedly, restart it
    console.log('[faults] scenario 1: SIGKILL worker pools');
    await traffic(w, 40, 3, async () => {
      for (let round = 0; round < 8; round++) {
        await sleep(4000);
        const pool = DOMAINS[round % DOMAINS.length];
        await stack.kill(pool, 'SIGKILL');
        counters.faults.push(`SIGKILL ${pool}`);
        await sleep(1000);
        await stack.start(pool);
      }
    });

    // --- scenario 2: restart the Temporal server (file-backed) mid-run
    console.log('[faults] scenario 2: restart the Temporal dev server');
    await traffic(w, 25, 3, async () => {
      await sleep(7000);
      await stack.restartDevServer();
      counters.faults.push('restart Temporal dev server');
    });

    // --- scenario 3: MySQL unreachable for 10 s
    console.log('[faults] scenario 3: MySQL unreachable');
    await traffic(w, 25, 2, async () => {
      await sleep(6000);
      mysqlProxy.cut('reset');
      counters.faults.push('cut MySQL for 10 s');
      await sleep(10_000);
      mysqlProxy.restore();
    });

    // --- scenario 4: Redis unreachable (hanging) for 10 s
    console.log('[faults] scenario 4: Redis unreachable');
    await traffic(w, 20, 3, async () => {
      await sleep(4000);
      redisProxy.cut('blackhole');
      counters.faults.push('cut Redis (blackhole) for 10 s');
      await sleep(10_000);
      redisProxy.restore();
    });

    // --- settle: every accepted order reaches PAID, SHIPPED, CANCELLED or FAILED; e-mails go out
    console.log(`[faults] settling ${accepted.size} accepted orders`);
    const ids = [...accepted];
    const settleDeadline = Date.now() + 120_000;
    let unsettled = ids.length;
    while (Date.now() < settleDeadline) {
      const [rows] = await admin.query(
        `SELECT COUNT(*) AS n FROM \`${database}\`.orders WHERE id IN (?) AND status NOT IN ('PAID','SHIPPED','CANCELLED','FAILED')`,
        [ids],
      );
      const [mails] = await admin.query(
        `SELECT COUNT(*) AS n FROM \`${database}\`.email_messages WHERE status <> 'SENT'`,
      );
      unsettled = Number((rows as { n: number }[])[0].n) + Number((mails as { n: number }[])[0].n);
      if (unsettled === 0) break;
      await sleep(1000);
    }

    // --- reconcile
    const q = async <T>(sql: string) => (await admin.query(sql.replaceAll('{db}', `\`${database}\``)))[0] as T[];
    const snapshot: Snapshot = {
      accepted: ids,
      orders: (
        await q<{ id: string; status: string; total: number }>(
          'SELECT id, status, total_cents AS total FROM {db}.orders',
        )
      ).map((o) => ({ id: o.id, status: o.status, totalCents: Number(o.total) })),
      items: await q<{ orderId: string; productId: string; quantity: number }>(
        'SELECT order_id AS orderId, product_id AS productId, quantity FROM {db}.order_items',
      ),
      payments: (
        await q<{ orderId: string; kind: 'charge' | 'refund'; outcome: string; amount: number }>(
          'SELECT order_id AS orderId, kind, outcome, amount_cents AS amount FROM {db}.payments',
        )
      ).map((p) => ({ ...p, amountCents: Number(p.amount) })),
      reservations: await q<{ orderId: string; productId: string; quantity: number; status: string }>(
        'SELECT order_id AS orderId, product_id AS productId, quantity, status FROM {db}.stock_reservations',
      ),
      products: await q<{ id: string; stock: number }>('SELECT id, stock FROM {db}.products'),
      initialStock,
      emailMessageIds: smtp.messages.map((m) => m.header('Message-ID') ?? ''),
      responses5xx: counters.status500,
    };
    const missingEmails = Number(
      (await q<{ n: number }>("SELECT COUNT(*) AS n FROM {db}.email_messages WHERE status <> 'SENT'"))[0].n,
    );
    const result = reconcile(snapshot);
    const report = {
      finishedAt: new Date().toISOString(),
      durationSeconds: Math.round((Date.now() - t0) / 1000),
      faultsInjected: counters.faults.filter((f) => !f.startsWith('client')).length,
      faults: counters.faults,
      requests: counters.requests,
      clientRetries: counters.retries,
      networkErrors: counters.networkErrors,
      responses500: counters.status500,
      responses503: counters.status503,
      cachedReads: counters.cachedReads,
      cachedReadFailures: counters.cachedReadFailures,
      staleReads: counters.staleReads,
      rejectedOutOfStock: rejected.outOfStock,
      rejectedOther: rejected.other,
      unsettledAtEnd: unsettled,
      missingEmails,
      ...result.figures,
      violations: result.violations,
    };
    if (counters.cachedReadFailures)
      result.violations.push(`${counters.cachedReadFailures} reads of cached products failed`);
    if (missingEmails) result.violations.push(`${missingEmails} e-mails not sent`);
    if (rejected.other) result.violations.push(`${rejected.other} order requests failed for a reason other than stock`);
    const outDir = path.join(__dirname, 'results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
    console.log(JSON.stringify({ ...report, violations: result.violations.slice(0, 20) }, null, 2));
    exitCode = result.violations.length ? 1 : 0;
    console.log(
      exitCode
        ? `[faults] FAILED: ${result.violations.length} violations`
        : '[faults] passed: 0 lost, 0 duplicated, 0 oversold, 0 500s',
    );
  } finally {
    await stack.stop().catch(() => undefined);
    await mysqlProxy.close();
    await redisProxy.close();
    await smtp.stop();
    await direct.destroy();
    if (!process.env.KEEP_FAULTS_DB) await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.end();
  }
  process.exit(exitCode);
}

main().catch((err) => {
  console.error('[faults] runner error:', err);
  process.exit(1);
});
