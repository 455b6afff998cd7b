// Read replicas for real: MYSQL_REPLICA_URLS points (through a counting TCP proxy) at a second
// MariaDB database standing in for a replica that lags until we "replicate": its products table
// is a copy refreshed only on demand, every other table a view of the primary's. Which copy
// answers tells where a read went; the proxy's captured bytes tell what was sent to the replica.
import { randomUUID } from 'node:crypto';
import { type Connection, createConnection } from 'mysql2/promise';
import { productReadModelFor } from '../../api/catalog/read-model-registry';
import { ProductEntity } from '../../db/entities';
import { type Stack, startStack } from '../support/stack';
import { TcpProxy } from '../support/tcp-proxy';
import { testEnv } from '../support/test-env';

let stack: Stack;
let proxy: TcpProxy;
let admin: string;
let sql: Connection;
let primaryDb: string;
let replicaDb: string;

const q = (name: string) => `\`${name.replace(/`/g, '')}\``;

/** The replica catches up: its products become the primary's. */
async function replicate(): Promise<void> {
  await sql.query(`REPLACE INTO ${q(replicaDb)}.products SELECT * FROM ${q(primaryDb)}.products`);
}

beforeAll(async () => {
  const env = testEnv();
  primaryDb = env.database;
  replicaDb = `${env.database}_replica`;
  sql = await createConnection({ uri: env.mysqlAdminUrl.replace(/^mariadb:/, 'mysql:') });
  await sql.query(`CREATE DATABASE ${q(replicaDb)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const [tables] = await sql.query(
    `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'`,
    [primaryDb],
  );
  for (const { t } of tables as { t: string }[]) {
    if (t === 'products') await sql.query(`CREATE TABLE ${q(replicaDb)}.products LIKE ${q(primaryDb)}.products`);
    else await sql.query(`CREATE VIEW ${q(replicaDb)}.${q(t)} AS SELECT * FROM ${q(primaryDb)}.${q(t)}`);
  }
  await replicate();

  proxy = await TcpProxy.start({ targetPort: Number(new URL(env.mysqlUrl).port || 3306), capture: true });
  const replicaUrl = new URL(env.mysqlUrl);
  replicaUrl.port = String(proxy.port);
  replicaUrl.pathname = `/${replicaDb}`;
  stack = await startStack({ env: { MYSQL_REPLICA_URLS: replicaUrl.toString() } });
  admin = await stack.adminToken();
});

afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
  await sql?.query(`DROP DATABASE IF EXISTS ${q(replicaDb)}`);
  await sql?.end();
});

/** A product inserted on the primary (no write workflow, so no "written recently" marker), replicated. */
async function seeded(name: string): Promise<{ id: string; name: string }> {
  const id = randomUUID();
  const now = new Date();
  await stack.workerDeps.dataSource.getRepository(ProductEntity).insert({
    id,
    sku: `REP-${id.slice(0, 13)}`,
    name,
    description: '',
    priceCents: 100,
    currency: 'USD',
    stock: 5,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  });
  await replicate();
  return { id, name };
}

const replicaRow = async (id: string) => {
  const [rows] = await sql.query(`SELECT name, price_cents AS priceCents FROM ${q(replicaDb)}.products WHERE id = ?`, [
    id,
  ]);
  return (rows as { name: string; priceCents: number }[])[0];
};

it('routes anonymous and customer reads to the replica, admin reads to the primary', async () => {
  const p = await seeded(`Routed ${randomUUID().slice(0, 8)}`);
  // Make the two copies differ, as a lagging replica's would.
  await sql.query(`UPDATE ${q(replicaDb)}.products SET name = ? WHERE id = ?`, ['Replica copy', p.id]);

  proxy.clearCapture();
  const anon = await stack.request('GET', `/api/products/${p.id}`);
  expect(anon.status).toBe(200);
  expect(anon.body.name).toBe('Replica copy');
  expect(proxy.captureText()).toContain(p.id);
  expect(proxy.captureText()).toContain('catalog-read');

  proxy.clearCapture();
  const byAdmin = await stack.request('GET', `/api/products/${p.id}`, { token: admin });
  expect(byAdmin.body.name).toBe(p.name);
  expect(proxy.captureText()).not.toContain(p.id);

  const listed = await stack.request('GET', `/api/products?q=${encodeURIComponent('Replica copy')}&limit=100`);
  expect(listed.body.items.map((x: { id: string }) => x.id)).toContain(p.id);
  const adminList = await stack.request('GET', `/api/products?q=${encodeURIComponent(p.name)}`, { token: admin });
  expect(adminList.body.items.map((x: { id: string }) => x.id)).toEqual([p.id]);
});

it('never sends a write to the replica', async () => {
  proxy.clearCapture();
  const before = proxy.stats.bytesToTarget;
  const created = await stack.request('POST', '/api/products', {
    token: admin,
    body: { name: `Write ${randomUUID().slice(0, 8)}`, priceCents: 5, stock: 1 },
  });
  expect(created.status).toBe(201);
  const updated = await stack.request('PUT', `/api/products/${created.body.id}`, {
    token: admin,
    body: { priceCents: 6 },
  });
  expect(updated.status).toBe(200);
  expect((await stack.request('DELETE', `/api/products/${created.body.id}`, { token: admin })).status).toBe(204);
  const sent = proxy.captureText();
  expect(sent).not.toContain(created.body.id);
  expect(sent).not.toMatch(/\b(INSERT|UPDATE|DELETE)\b/i);
  expect(await replicaRow(created.body.id)).toBeUndefined(); // the replica never saw it
  console.log(
    `replicas: a create, an update and a delete sent ${proxy.stats.bytesToTarget - before} bytes to the replica (no write statement among them)`,
  );
});

it('read-your-writes: right after an update the admin, and everyone within the window, read the primary although the replica lags', async () => {
  const p = await seeded(`RYW ${randomUUID().slice(0, 8)}`);
  const warm = await stack.request('GET', `/api/products/${p.id}`);
  expect(warm.headers.get('x-cache')).toBe('MISS');
  expect((await stack.request('GET', `/api/products/${p.id}`)).headers.get('x-cache')).toBe('HIT');

  const put = await stack.request('PUT', `/api/products/${p.id}`, {
    token: admin,
    body: { priceCents: 777, name: `${p.name} v2` },
  });
  expect(put.status).toBe(200);
  expect(await replicaRow(p.id)).toMatchObject({ priceCents: 100, name: p.name }); // lagging

  const queries = productReadModelFor(stack.api).stats.databaseReads;
  proxy.clearCapture();
  const adminRead = await stack.request('GET', `/api/products/${p.id}`, { token: admin });
  expect(adminRead.body).toEqual(put.body);
  const customer = await stack.customer();
  const anonRead = await stack.request('GET', `/api/products/${p.id}`, { token: customer.token });
  expect(anonRead.body).toEqual(put.body);
  expect(proxy.captureText()).not.toContain(p.id); // both went to the primary
  expect(productReadModelFor(stack.api).stats.databaseReads - queries).toBeGreaterThanOrEqual(1);
  // The primary's answer is what got cached.
  const hit = await stack.request('GET', `/api/products/${p.id}`);
  expect(hit.headers.get('x-cache')).toBe('HIT');
  expect(hit.body.priceCents).toBe(777);

  // The admin's list reads the primary too; an anonymous list is the replica's (eventually consistent).
  const adminList = await stack.request('GET', `/api/products?q=${encodeURIComponent(p.name)}`, { token: admin });
  expect(adminList.body.items).toEqual([put.body]);
  const anonList = await stack.request('GET', `/api/products?q=${encodeURIComponent(p.name)}`);
  expect(anonList.body.items.map((x: { priceCents: number }) => x.priceCents)).toEqual([100]);
});

it('a replica that goes down is replaced by the primary, and used again once it is back', async () => {
  const p = await seeded(`Failover ${randomUUID().slice(0, 8)}`);
  proxy.cut('reset');
  try {
    for (let i = 0; i < 7; i++) {
      const list = await stack.request('GET', `/api/products?q=${encodeURIComponent(p.name)}`);
      expect(list.status).toBe(200);
      expect(list.body.items.map((x: { id: string }) => x.id)).toEqual([p.id]);
    }
    const read = await stack.request('GET', `/api/products/${p.id}`);
    expect(read.status).toBe(200);
    expect(read.body.name).toBe(p.name);
  } finally {
    proxy.restore();
  }
  // The pool cluster parks a failing node for a few seconds (restoreNodeTimeout), then tries it again.
  const deadline = Date.now() + 15_000;
  let backOnReplica = false;
  while (!backOnReplica && Date.now() < deadline) {
    proxy.clearCapture();
    await stack.request('GET', `/api/products?q=${encodeURIComponent(p.name)}`);
    backOnReplica = proxy.captureText().includes('catalog-list');
    if (!backOnReplica) await new Promise((r) => setTimeout(r, 500));
  }
  expect(backOnReplica).toBe(true);
}, 30_000);

it('a product the lagging replica does not have yet can be put in a cart (found on the primary)', async () => {
  const id = randomUUID();
  const now = new Date();
  await stack.workerDeps.dataSource.getRepository(ProductEntity).insert({
    id,
    sku: `REP-${id.slice(0, 13)}`,
    name: 'Fresh',
    description: '',
    priceCents: 100,
    currency: 'USD',
    stock: 5,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  });
  // Not replicated: the replica has never heard of it.
  expect(await replicaRow(id)).toBeUndefined();
  const c = await stack.customer();
  const res = await stack.request('PUT', `/api/cart/items/${id}`, { token: c.token, body: { quantity: 1 } });
  expect([res.status, res.body.items?.[0]?.name, res.body.items?.[0]?.available]).toEqual([200, 'Fresh', true]);
});
