// The workflows publish the catalogue's events (the workflow history is the outbox): against the
// machine's real RabbitMQ (TEST_AMQP_URL, default guest@127.0.0.1:5672) with the whole shop in
// this process, each order's life produces exactly its events, in sequence order, schema-valid;
// a registration and a product's create/update/delete produce theirs, with the product's version
// as the sequence; no event carries a password hash or payment data, and only user.registered an
// e-mail address. A broker outage (a TCP proxy between the shop and RabbitMQ, cut) delays the
// events and no answer: the order is placed, paid and shipped meanwhile, its run waits for its
// events, which arrive in order once the broker is back. Without AMQP_URL the same documents go
// to DATA_DIR/events.jsonl.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection, type Consumer } from 'rabbitmq-client';
import { orderIdFor } from '../../api/orders/idempotency';
import type { ShopCloudEvent } from '../../common/events/catalogue';
import { eventId, eventName } from '../../common/events/envelope';
import { ProductEntity } from '../../db/entities';
import { EVENTS_EXCHANGE, integrationEventWorkflowId, type ShopEventName } from '../../workflows/shared/events';
import { eventValidator } from '../support/event-schemas';
import { createProduct, eventually, oneOf, orderHandle, placeOrder, waitForStatus } from '../support/orders-fixtures';
import { type Stack, startStack } from '../support/stack';
import { TcpProxy } from '../support/tcp-proxy';

const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const validate = eventValidator();

/** A queue bound to shop.events (`#`): every document it receives, in arrival order. */
async function boundQueue(connection: Connection): Promise<{ got: ShopCloudEvent[]; consumer: Consumer }> {
  const got: ShopCloudEvent[] = [];
  const queue = `events-workflows-test-${randomUUID()}`;
  const consumer = connection.createConsumer(
    {
      queue,
      queueOptions: { exclusive: true, autoDelete: true, durable: false },
      exchanges: [{ exchange: EVENTS_EXCHANGE, type: 'topic', durable: true }],
      queueBindings: [{ exchange: EVENTS_EXCHANGE, queue, routingKey: '#' }],
    },
    async (msg) => {
      const doc = JSON.parse(Buffer.isBuffer(msg.body) ? msg.body.toString('utf8') : JSON.stringify(msg.body));
      expect(msg.routingKey).toBe(eventName(doc));
      got.push(doc as ShopCloudEvent);
    },
  );
  await new Promise<void>((resolve, reject) => {
    consumer.once('ready', () => resolve());
    consumer.once('error', reject);
  });
  return { got, consumer };
}

/** A subject's events as a consumer orders them (by sequence), each checked against its schema and ID. */
function checked(events: ShopCloudEvent[]): ShopCloudEvent[] {
  const sorted = [...events].sort((a, b) => (a.sequence < b.sequence ? -1 : 1));
  for (const e of sorted) {
    expect([e.type, validate(e)]).toEqual([e.type, []]);
    expect(e.id).toBe(eventId(eventName(e) as ShopEventName, e.subject, Number(e.sequence)));
  }
  return sorted;
}

/** The subject's events once `count` have arrived (the caller has waited for their publication to close). */
async function eventsOf(got: ShopCloudEvent[], subject: string, count: number): Promise<ShopCloudEvent[]> {
  const mine = await eventually(
    async () => {
      const m = got.filter((e) => e.subject === subject);
      return m.length >= count ? m : undefined;
    },
    20_000,
    `${count} events of ${subject}`,
  );
  expect(mine).toHaveLength(count); // exactly: no event twice, none unexpected
  return checked(mine);
}

const summary = (events: ShopCloudEvent[]) => events.map((e) => [eventName(e), Number(e.sequence)]);

/** Waits until a publication child (registration, product write, rejected order) has closed. */
const published = (stack: Stack, name: ShopEventName, subject: string, sequence: number) =>
  stack.api.temporal.workflow.getHandle(integrationEventWorkflowId({ name, subject, sequence })).result();

/** Every key and string in a document, for the privacy checks. */
function leaves(value: unknown, out: { keys: string[]; strings: string[] } = { keys: [], strings: [] }) {
  if (typeof value === 'string') out.strings.push(value);
  else if (Array.isArray(value)) for (const v of value) leaves(v, out);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      out.keys.push(k);
      leaves(v, out);
    }
  return out;
}

async function paid(stack: Stack, token: string, paymentMethod?: string) {
  const p = await createProduct(stack, { stock: 3, priceCents: 1250 });
  const placed = await placeOrder(stack, token, oneOf(p.id, 2, paymentMethod));
  expect(placed.status).toBe(201);
  return { product: p, order: placed.body };
}

describe('with AMQP_URL: the workflows publish to RabbitMQ', () => {
  let stack: Stack;
  let connection: Connection;
  let consumer: Consumer;
  let got: ShopCloudEvent[];

  beforeAll(async () => {
    connection = new Connection({ url: AMQP_URL, connectionName: 'events-workflows test consumer' });
    await connection.onConnect(10_000);
    ({ got, consumer } = await boundQueue(connection));
    stack = await startStack({ env: { AMQP_URL } });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await consumer?.close();
    await connection?.close();
  });

  it('accepted → paid → shipped: order.accepted, order.paid, order.shipped (1, 2, 3)', async () => {
    const c = await stack.customer();
    const { product, order } = await paid(stack, c.token);
    const paidOrder = await waitForStatus(stack, c.token, order.id, 'PAID');
    const shipped = await stack.request('PUT', `/api/orders/${order.id}/ship`, { token: await stack.adminToken() });
    expect(shipped.status).toBe(200);
    await orderHandle(stack, order.id).result(); // the run closes once its events are confirmed

    const events = await eventsOf(got, order.id, 3);
    expect(summary(events)).toEqual([
      ['order.accepted', 1],
      ['order.paid', 2],
      ['order.shipped', 3],
    ]);
    const [accepted, paidEvent, shippedEvent] = events;
    expect(accepted!.data).toEqual({
      orderId: order.id,
      userId: c.id,
      items: [{ productId: product.id, name: product.name, unitPriceCents: 1250, quantity: 2 }],
      totalCents: 2500,
      currency: 'USD',
      acceptedAt: accepted!.time,
    });
    expect(paidEvent!.data).toEqual({
      orderId: order.id,
      userId: c.id,
      totalCents: 2500,
      currency: 'USD',
      chargeId: paidOrder.payment!.chargeId,
      paidAt: paidEvent!.time,
    });
    expect(shippedEvent!.data).toEqual({ orderId: order.id, userId: c.id, shippedAt: shippedEvent!.time });
    expect(accepted!.source).toBe('/temporal-shop/orders');
  });

  it('accepted → cancelled after payment: order.cancelled carries the refund (1, 2, 3)', async () => {
    const c = await stack.customer();
    const { order } = await paid(stack, c.token);
    await waitForStatus(stack, c.token, order.id, 'PAID');
    const cancelled = await stack.request('PUT', `/api/orders/${order.id}/cancel`, {
      token: c.token,
      body: { reason: 'write to me at someone@example.com' },
    });
    expect(cancelled.status).toBe(200);
    await orderHandle(stack, order.id).result();

    const events = await eventsOf(got, order.id, 3);
    expect(summary(events)).toEqual([
      ['order.accepted', 1],
      ['order.paid', 2],
      ['order.cancelled', 3],
    ]);
    // The customer's free text is not carried (it may hold personal data, as here).
    expect(events[2]!.data).toEqual({
      orderId: order.id,
      userId: c.id,
      cancelledBy: 'customer',
      refund: { refundId: cancelled.body.payment.refundId, amountCents: 2500, currency: 'USD' },
      cancelledAt: events[2]!.time,
    });
    expect(cancelled.body.payment.refundId).toEqual(expect.any(String));
  });

  it('declined: order.accepted, order.payment_failed (1, 2)', async () => {
    const c = await stack.customer();
    const { order } = await paid(stack, c.token, 'pm_card_chargeDeclined');
    await orderHandle(stack, order.id).result();
    const events = await eventsOf(got, order.id, 2);
    expect(summary(events)).toEqual([
      ['order.accepted', 1],
      ['order.payment_failed', 2],
    ]);
    expect(events[1]!.data).toEqual({
      orderId: order.id,
      userId: c.id,
      reason: 'PAYMENT_DECLINED',
      failedAt: events[1]!.time,
    });
  });

  it('rejected (out of stock): order.rejected only (1), and nothing else', async () => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 0 });
    const key = randomUUID();
    const res = await placeOrder(stack, c.token, oneOf(p.id), { idempotencyKey: key });
    expect(res.status).toBe(409);
    const orderId = orderIdFor(c.id, key);
    await orderHandle(stack, orderId).result();
    await published(stack, 'order.rejected', orderId, 1);
    const events = await eventsOf(got, orderId, 1);
    expect(summary(events)).toEqual([['order.rejected', 1]]);
    expect(events[0]!.data).toEqual({ orderId, userId: c.id, reason: 'OUT_OF_STOCK', rejectedAt: events[0]!.time });
  });

  it('a registration publishes user.registered (1) with the e-mail address and nothing secret', async () => {
    const c = await stack.customer('Grace');
    await published(stack, 'user.registered', c.id, 1);
    const [event, ...rest] = await eventsOf(got, c.id, 1);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      type: 'shop.user.registered',
      source: '/temporal-shop/users',
      sequence: '0000000001',
    });
    expect(event!.data).toEqual({
      userId: c.id,
      email: c.email,
      name: 'Grace',
      role: 'customer',
      registeredAt: event!.time,
    });
  });

  it('a product created, updated twice and deleted: product.created 1, product.updated 2 and 3, product.deleted 4', async () => {
    const admin = await stack.adminToken();
    const created = await stack.request('POST', '/api/products', {
      token: admin,
      body: { name: 'Events mug', description: 'durable', priceCents: 900, stock: 5 },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).not.toHaveProperty('version'); // the counter is the events' business, not the API's
    await published(stack, 'product.created', id, 1);
    const price = await stack.request('PUT', `/api/products/${id}`, { token: admin, body: { priceCents: 800 } });
    expect(price.status).toBe(200);
    await published(stack, 'product.updated', id, 2);
    // An order's reservation changes the stock but is no product write: no event, no version.
    const c = await stack.customer();
    const placed = await placeOrder(stack, c.token, oneOf(id, 1));
    expect(placed.status).toBe(201);
    const stock = await stack.request('PUT', `/api/products/${id}`, {
      token: admin,
      body: { stockDelta: 10 },
      headers: { 'Idempotency-Key': randomUUID() },
    });
    expect(stock.status).toBe(200);
    await published(stack, 'product.updated', id, 3);
    const deleted = await stack.request('DELETE', `/api/products/${id}`, { token: admin });
    expect(deleted.status).toBe(204);
    await published(stack, 'product.deleted', id, 4);

    const events = await eventsOf(got, id, 4);
    expect(summary(events)).toEqual([
      ['product.created', 1],
      ['product.updated', 2],
      ['product.updated', 3],
      ['product.deleted', 4],
    ]);
    const snapshot = (e: ShopCloudEvent) => e.data as unknown as Record<string, unknown>;
    expect(snapshot(events[0]!)).toEqual({
      productId: id,
      sku: created.body.sku,
      name: 'Events mug',
      description: 'durable',
      priceCents: 900,
      currency: 'USD',
      stock: 5,
      updatedAt: created.body.updatedAt,
    });
    expect(snapshot(events[1]!)).toMatchObject({ priceCents: 800, stock: 5, updatedAt: price.body.updatedAt });
    expect(snapshot(events[2]!)).toMatchObject({ priceCents: 800, stock: stock.body.stock });
    expect(stock.body.stock).toBe(14);
    expect(events[3]!.data).toEqual({ productId: id, sku: created.body.sku, deletedAt: events[3]!.time });
    const row = await stack.workerDeps.dataSource.getRepository(ProductEntity).findOneByOrFail({ id });
    expect(row.version).toBe(4);
  });

  it('no event carries a password hash or payment data; only user.registered carries an e-mail address', () => {
    expect(got.length).toBeGreaterThan(10);
    const email = /[^\s@]+@[^\s@]+\.[^\s@]+/;
    for (const e of got) {
      const { keys, strings } = leaves(e);
      expect([e.type, keys.filter((k) => /password|hash|secret|card|paymentMethod|token/i.test(k))]).toEqual([
        e.type,
        [],
      ]);
      expect([e.type, strings.filter((s) => /^\$2[aby]\$/.test(s) || /pm_card|whsec_|sk_/.test(s))]).toEqual([
        e.type,
        [],
      ]);
      if (e.type !== 'shop.user.registered')
        expect([e.type, strings.filter((s) => email.test(s))]).toEqual([e.type, []]);
    }
    expect(got.filter((e) => e.type === 'shop.user.registered').length).toBeGreaterThan(0);
  });
});

describe('a broker outage delays the events, never an answer', () => {
  let stack: Stack;
  let proxy: TcpProxy;
  let connection: Connection;
  let consumer: Consumer;
  let got: ShopCloudEvent[];

  beforeAll(async () => {
    const broker = new URL(AMQP_URL);
    proxy = await TcpProxy.start({ targetHost: broker.hostname, targetPort: Number(broker.port || 5672) });
    const proxied = new URL(AMQP_URL);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    connection = new Connection({ url: AMQP_URL, connectionName: 'events-workflows outage consumer' });
    await connection.onConnect(10_000);
    ({ got, consumer } = await boundQueue(connection));
    stack = await startStack({ env: { AMQP_URL: proxied.toString() } });
  }, 120_000);

  afterAll(async () => {
    proxy?.restore();
    await stack?.stop();
    await consumer?.close();
    await connection?.close();
    await proxy?.close();
  });

  it('registration, product creation, placing, paying and shipping answer during the outage; the events follow in order', async () => {
    proxy.cut('reset');
    const c = await stack.customer(); // 201: the registration does not wait for its event
    const admin = await stack.adminToken();
    const created = await stack.request('POST', '/api/products', {
      token: admin,
      body: { name: 'Outage mug', description: '', priceCents: 500, stock: 2 },
    });
    expect(created.status).toBe(201);
    const placed = await placeOrder(stack, c.token, oneOf(created.body.id, 1));
    expect(placed.status).toBe(201);
    const orderId = placed.body.id;
    await waitForStatus(stack, c.token, orderId, 'PAID');
    const shipped = await stack.request('PUT', `/api/orders/${orderId}/ship`, { token: admin });
    expect([shipped.status, shipped.body.status]).toEqual([200, 'SHIPPED']);

    // SHIPPED, answered, and the run still open: it waits for order.accepted's publish (the chain's first).
    const handle = orderHandle(stack, orderId);
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect(pending.map((a) => a.activityType?.name)).toEqual(['publishEvent']);
    expect(got.filter((e) => [orderId, c.id, created.body.id].includes(e.subject))).toEqual([]);

    proxy.restore();
    await handle.result();
    await published(stack, 'user.registered', c.id, 1);
    await published(stack, 'product.created', created.body.id, 1);
    expect(summary(await eventsOf(got, orderId, 3))).toEqual([
      ['order.accepted', 1],
      ['order.paid', 2],
      ['order.shipped', 3],
    ]);
    expect(summary(await eventsOf(got, c.id, 1))).toEqual([['user.registered', 1]]);
    expect(summary(await eventsOf(got, created.body.id, 1))).toEqual([['product.created', 1]]);
  }, 120_000);
});

describe('without AMQP_URL: the same documents go to DATA_DIR/events.jsonl', () => {
  let stack: Stack;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'events-jsonl-'));
    stack = await startStack({ env: { AMQP_URL: '', DATA_DIR: dataDir } });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('an order accepted → paid → shipped and its customer, as lines of events.jsonl', async () => {
    expect(stack.workerDeps.events.kind).toBe('jsonl');
    const c = await stack.customer();
    const { order } = await paid(stack, c.token);
    await waitForStatus(stack, c.token, order.id, 'PAID');
    await stack.request('PUT', `/api/orders/${order.id}/ship`, { token: await stack.adminToken() });
    await orderHandle(stack, order.id).result();
    await published(stack, 'user.registered', c.id, 1);

    const lines = readFileSync(path.join(dataDir, 'events.jsonl'), 'utf8').trim().split('\n');
    const docs = lines.map((l) => JSON.parse(l) as ShopCloudEvent);
    const orderEvents = checked(docs.filter((d) => d.subject === order.id));
    expect(summary(orderEvents)).toEqual([
      ['order.accepted', 1],
      ['order.paid', 2],
      ['order.shipped', 3],
    ]);
    const [registered, ...more] = checked(docs.filter((d) => d.subject === c.id));
    expect(more).toEqual([]);
    expect(registered!.data).toMatchObject({ userId: c.id, email: c.email });
  });
});
