// Webhooks end to end, on the real stack (Temporal dev server, MariaDB, the worker pools, the
// gateway) with a real node:http receiver: events are emitted through the publishEvent activity
// (a probe workflow on a worker of this file, with the webhook hand-off as the pools have it), and
// delivered by deliverWebhook on the notifications pool. Small WEBHOOK_RETRY_DELAYS_MS keep the
// schedule short; WEBHOOK_ALLOW_PRIVATE_TARGETS=true lets the receiver live on 127.0.0.1, and a
// second gateway without it shows the refusal.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createEventActivities } from '../../activities/events/event.activities';
import { createWebhookActivities } from '../../activities/notifications/webhook.activities';
import { eventExamples, type ShopCloudEvent } from '../../common/events/catalogue';
import { buildCloudEvent } from '../../common/events/envelope';
import { verify } from '../../common/webhooks/signature';
import { WebhookDeliveryEntity, WebhookEndpointEntity } from '../../db/entities';
import { webhookDeliveryWorkflowId } from '../../workflows/notifications/contract';
import type { PublishEventInput, ShopEventName } from '../../workflows/shared/events';
import { eventually } from '../support/eventually';
import type { probePublishEvents } from '../support/events-probe.workflows';
import { type Stack, startStack } from '../support/stack';

interface Hit {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A receiver whose answers per path are scripted: the next status of the list, then the last one for ever. */
class Receiver {
  readonly hits: Hit[] = [];
  private readonly scripts = new Map<string, number[]>();
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      this.hits.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const script = this.scripts.get(path) ?? [200];
      const status = script.length > 1 ? script.shift()! : script[0]!;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(`answer ${status} ${'x'.repeat(2000)}`); // longer than the excerpt that is kept
    });
  });
  port = 0;

  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }
  script(path: string, statuses: number[]) {
    this.scripts.set(path, [...statuses]);
    return `http://127.0.0.1:${this.port}${path}`;
  }
  on(path: string) {
    return this.hits.filter((h) => h.path === path);
  }
  stop() {
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** An event of `name` about a fresh entity. */
function freshInput(name: ShopEventName, subject: string = randomUUID(), sequence = 1): PublishEventInput {
  const example = eventExamples[name];
  const data = { ...example.data } as Record<string, unknown>;
  for (const key of ['orderId', 'productId', 'userId'])
    if (key in data && data[key] === example.subject) data[key] = subject;
  return { name, subject, sequence, time: new Date().toISOString(), data } as unknown as PublishEventInput;
}

const RETRY_DELAYS = [300, 300, 300];
let stack: Stack;
let admin: string;
let receiver: Receiver;
let worker: Worker;
let running: Promise<void>;
const probeQueue = `webhooks-probe-${randomUUID()}`;

beforeAll(async () => {
  receiver = new Receiver();
  await receiver.start();
  stack = await startStack({
    env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_DELAYS_MS: RETRY_DELAYS.join(',') },
  });
  admin = await stack.adminToken();
  // publishEvent exactly as every pool registers it (workers/run-worker.ts), for a probe workflow.
  worker = await Worker.create({
    connection: stack.workerConnection!,
    taskQueue: probeQueue,
    workflowsPath: require.resolve('../support/events-probe.workflows'),
    activities: createEventActivities({
      publisher: stack.workerDeps.events,
      webhooks: { dataSource: stack.workerDeps.dataSource, retryDelaysMs: stack.config.WEBHOOK_RETRY_DELAYS_MS },
    }),
  });
  running = worker.run();
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await stack?.stop();
  await receiver?.stop();
});

/** Publishes the events through publishEvent (the probe workflow) and waits for the publishes. */
async function publish(...inputs: PublishEventInput[]): Promise<ShopCloudEvent[]> {
  await stack.api.temporal.workflow.execute<typeof probePublishEvents>('probePublishEvents', {
    taskQueue: probeQueue,
    workflowId: `webhooks-probe-${randomUUID()}`,
    args: [inputs],
  });
  return inputs.map(buildCloudEvent);
}

async function register(url: string, events: ShopEventName[], token = admin) {
  const res = await stack.request('POST', '/api/webhooks', { token, body: { url, events, description: 'test' } });
  return res;
}

const deliveries = async (endpointId: string) =>
  (await stack.request('GET', `/api/webhooks/${endpointId}/deliveries`, { token: admin })).body.items as Array<
    Record<string, any>
  >;

const deliveryIn = (endpointId: string, status: string) =>
  eventually(async () => {
    const items = await deliveries(endpointId);
    return items.length && items[0]!.status === status ? items[0]! : undefined;
  }, `a ${status} delivery of ${endpointId}`);

it('a receiver that fails twice then succeeds gets three signed attempts with one webhook-id, verified with the secret from creation', async () => {
  const url = receiver.script('/flaky', [500, 503, 200]);
  const created = await register(url, ['order.paid', 'order.shipped']);
  expect(created.status).toBe(201);
  const { id: endpointId, secret } = created.body;
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
  // Subscribed to something else: gets nothing of this.
  const other = await register(receiver.script('/other', [200]), ['product.deleted']);

  const input = freshInput('order.paid');
  const [event] = await publish(input);
  const delivery = await deliveryIn(endpointId, 'SUCCEEDED');
  const hits = receiver.on('/flaky');
  expect(hits).toHaveLength(3);
  expect(new Set(hits.map((h) => h.headers['webhook-id']))).toEqual(new Set([event!.id]));
  for (const hit of hits) {
    const signed = {
      id: String(hit.headers['webhook-id']),
      timestamp: String(hit.headers['webhook-timestamp']),
      signature: String(hit.headers['webhook-signature']),
      body: hit.body,
    };
    expect(signed.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verify(secret, signed)).toBe(true);
    expect(verify(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, signed)).toBe(false);
    expect(hit.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
    expect(JSON.parse(hit.body)).toEqual(event);
  }
  expect(delivery).toMatchObject({
    endpointId,
    eventId: event!.id,
    eventType: 'shop.order.paid',
    status: 'SUCCEEDED',
    attempts: 3,
    lastStatusCode: 200,
    nextAttemptAt: null,
  });
  expect(delivery.lastResponseExcerpt.length).toBeLessThanOrEqual(256);
  expect(delivery.lastResponseExcerpt.startsWith('answer 200')).toBe(true);
  expect(await deliveries(other.body.id)).toEqual([]);

  // A retried publish (the same event again, from another workflow) starts no second delivery.
  await publish(input);
  const runs = [];
  for await (const w of stack.api.temporal.workflow.list({
    query: `WorkflowId = '${webhookDeliveryWorkflowId(endpointId, event!.id)}'`,
  }))
    runs.push(w.runId);
  expect(runs).toHaveLength(1);
  expect(await deliveries(endpointId)).toHaveLength(1);
  expect(receiver.on('/flaky').filter((h) => h.headers['webhook-id'] === event!.id)).toHaveLength(3);
});

it("a domain workflow's own event (a registration's user.registered) is delivered too", async () => {
  const created = await register(receiver.script('/domain', [200]), ['user.registered']);
  const customer = await stack.customer('Hooked');
  const delivery = await deliveryIn(created.body.id, 'SUCCEEDED');
  expect(delivery).toMatchObject({ eventType: 'shop.user.registered', attempts: 1 });
  const [hit] = receiver.on('/domain');
  expect(JSON.parse(hit!.body)).toMatchObject({ type: 'shop.user.registered', subject: customer.id });
  expect(hit!.headers['webhook-id']).toBe(delivery.eventId);
});

it('a 410 disables the endpoint after one attempt, and a disabled endpoint gets no new deliveries', async () => {
  const created = await register(receiver.script('/gone', [410]), ['product.created']);
  const endpointId = created.body.id;
  await publish(freshInput('product.created'));
  const delivery = await deliveryIn(endpointId, 'FAILED');
  expect(delivery).toMatchObject({ attempts: 1, lastStatusCode: 410, nextAttemptAt: null });
  const endpoint = await eventually(async () => {
    const r = await stack.request('GET', `/api/webhooks/${endpointId}`, { token: admin });
    return r.body.enabled === false ? r.body : undefined;
  }, 'the endpoint disabled');
  expect(endpoint.disabledReason).toBe('GONE');
  expect(receiver.on('/gone')).toHaveLength(1);
  await publish(freshInput('product.created'));
  expect(await deliveries(endpointId)).toHaveLength(1);
  expect(receiver.on('/gone')).toHaveLength(1);
});

it('exhausting the schedule disables the endpoint and e-mails its admin; re-enabled, a retry re-runs the delivery with the same webhook-id', async () => {
  const me = (await stack.request('GET', '/api/users/me', { token: admin })).body;
  const created = await register(receiver.script('/down', [503]), ['user.registered']);
  const endpointId = created.body.id;
  const [event] = await publish(freshInput('user.registered'));
  const failed = await deliveryIn(endpointId, 'FAILED');
  expect(failed).toMatchObject({ attempts: RETRY_DELAYS.length + 1, lastStatusCode: 503, nextAttemptAt: null });
  expect(receiver.on('/down')).toHaveLength(RETRY_DELAYS.length + 1);
  const mail = await stack.smtp.waitFor((m) => m.to.includes(me.email));
  expect(mail.raw).toContain('Webhook endpoint disabled');
  expect(mail.raw).toContain(endpointId);
  const endpoint = (await stack.request('GET', `/api/webhooks/${endpointId}`, { token: admin })).body;
  expect(endpoint).toMatchObject({ enabled: false, disabledReason: 'FAILING' });

  // Retrying while disabled is refused; a delivery that is not FAILED cannot be retried.
  const path = `/api/webhooks/${endpointId}/deliveries/${failed.id}/retry`;
  expect((await stack.request('POST', path, { token: admin })).body.code).toBe('WEBHOOK_DISABLED');
  const enabled = await stack.request('PATCH', `/api/webhooks/${endpointId}`, {
    token: admin,
    body: { enabled: true },
  });
  expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null });
  receiver.script('/down', [200]);
  const retried = await stack.request('POST', path, { token: admin });
  expect(retried.status).toBe(202);
  expect(retried.body).toMatchObject({ id: failed.id, status: 'PENDING' });
  const done = await deliveryIn(endpointId, 'SUCCEEDED');
  expect(done).toMatchObject({ attempts: RETRY_DELAYS.length + 2, lastStatusCode: 200 });
  expect(new Set(receiver.on('/down').map((h) => h.headers['webhook-id']))).toEqual(new Set([event!.id]));
  const again = await stack.request('POST', path, { token: admin });
  expect(again.status).toBe(409);
  expect(again.body.code).toBe('DELIVERY_NOT_FAILED');
});

it('CRUD: the secret only at creation, events validated against the catalogue, admin only, problem+json errors', async () => {
  const url = receiver.script('/crud', [200]);
  const customer = await stack.customer('Not an admin');
  expect((await register(url, ['order.paid'], customer.token)).status).toBe(403);
  expect((await stack.request('GET', '/api/webhooks')).status).toBe(401);
  // Whatever the path's spelling (the routes match case-insensitively), the check comes first.
  for (const spelling of ['/Api/webhooks', '/API/WEBHOOKS/', '/api/Webhooks'])
    expect((await stack.request('POST', spelling, { body: { url, events: ['order.paid'] } })).status).toBe(401);
  expect((await stack.request('GET', '/API/webhooks', { token: customer.token })).status).toBe(403);

  const bad = await register(url, ['order.paid', 'order.teleported' as ShopEventName]);
  expect(bad.status).toBe(400);
  expect(bad.headers.get('content-type')).toContain('application/problem+json');
  expect(bad.body.code).toBe('VALIDATION_FAILED');
  expect((await register(url, [])).status).toBe(400);
  expect((await register('ftp://127.0.0.1/x', ['order.paid'])).status).toBe(400);

  const created = await register(url, ['order.shipped', 'order.paid', 'order.paid']);
  expect(created.status).toBe(201);
  expect(created.headers.get('location')).toBe(`/api/webhooks/${created.body.id}`);
  expect(Object.keys(created.body).sort()).toEqual(
    ['createdAt', 'description', 'disabledReason', 'enabled', 'events', 'id', 'secret', 'updatedAt', 'url'].sort(),
  );
  expect(created.body).toMatchObject({ url, events: ['order.paid', 'order.shipped'], enabled: true });
  const id = created.body.id as string;

  const got = await stack.request('GET', `/api/webhooks/${id}`, { token: admin });
  expect(got.status).toBe(200);
  expect(got.body.secret).toBeUndefined();
  expect(JSON.stringify(got.body)).not.toContain(created.body.secret);
  const list = await stack.request('GET', '/api/webhooks?limit=100', { token: admin });
  expect(list.body.items.map((w: { id: string }) => w.id)).toContain(id);
  expect(JSON.stringify(list.body)).not.toContain('whsec_');

  const patched = await stack.request('PATCH', `/api/webhooks/${id}`, {
    token: admin,
    body: { events: ['product.updated'], description: null },
  });
  expect(patched.status).toBe(200);
  expect(patched.body).toMatchObject({ events: ['product.updated'], description: null, enabled: true });
  expect((await stack.request('PATCH', `/api/webhooks/${id}`, { token: admin, body: {} })).status).toBe(400);
  const off = await stack.request('PATCH', `/api/webhooks/${id}`, { token: admin, body: { enabled: false } });
  expect(off.body).toMatchObject({ enabled: false, disabledReason: 'ADMIN' });

  // Deliveries: paged, newest first.
  await stack.request('PATCH', `/api/webhooks/${id}`, { token: admin, body: { enabled: true } });
  await publish(freshInput('product.updated'), freshInput('product.updated'));
  await eventually(async () => {
    const items = await deliveries(id);
    return items.length === 2 && items.every((d) => d.status === 'SUCCEEDED') ? items : undefined;
  }, 'two deliveries');
  const first = await stack.request('GET', `/api/webhooks/${id}/deliveries?limit=1`, { token: admin });
  expect(first.body.items).toHaveLength(1);
  const second = await stack.request(
    'GET',
    `/api/webhooks/${id}/deliveries?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    { token: admin },
  );
  expect(second.body.items).toHaveLength(1);
  expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
  expect(second.body.nextCursor).toBeNull();

  const unknown = randomUUID();
  expect((await stack.request('GET', `/api/webhooks/${unknown}`, { token: admin })).status).toBe(404);
  expect((await stack.request('GET', `/api/webhooks/${unknown}/deliveries`, { token: admin })).status).toBe(404);
  expect(
    (await stack.request('POST', `/api/webhooks/${id}/deliveries/${unknown}/retry`, { token: admin })).status,
  ).toBe(404);
  expect((await stack.request('DELETE', `/api/webhooks/${id}`, { token: admin })).status).toBe(204);
  expect((await stack.request('GET', `/api/webhooks/${id}`, { token: admin })).status).toBe(404);
  expect((await stack.request('DELETE', `/api/webhooks/${id}`, { token: admin })).status).toBe(404);
  expect(await stack.workerDeps.dataSource.getRepository(WebhookDeliveryEntity).countBy({ endpointId: id })).toBe(0);
});

describe('without WEBHOOK_ALLOW_PRIVATE_TARGETS', () => {
  let strict: Stack;
  beforeAll(async () => {
    strict = await startStack({ domains: [], env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' } });
  });
  afterAll(() => strict?.stop());

  it.each([
    'http://127.0.0.1:{port}/private',
    'http://localhost:{port}/private',
    'http://[::1]:{port}/private',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.7/hooks',
    'http://[fd00:ec2::254]/latest',
  ])('registering %s is refused with 422', async (template) => {
    const url = template.replace('{port}', String(receiver.port));
    const token = await strict.adminToken();
    const res = await strict.request('POST', '/api/webhooks', { token, body: { url, events: ['order.paid'] } });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.code).toBe('WEBHOOK_TARGET_REFUSED');
  });

  it('a new URL in a PATCH is checked the same way', async () => {
    const token = await strict.adminToken();
    // Registered on the permissive gateway, then moved to a private address on the strict one.
    const created = await register(receiver.script('/moved', [200]), ['order.paid']);
    const res = await strict.request('PATCH', `/api/webhooks/${created.body.id}`, {
      token,
      body: { url: `http://127.0.0.1:${receiver.port}/elsewhere` },
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('WEBHOOK_TARGET_REFUSED');
  });

  it('the delivery refuses it again at send time (after resolution), without contacting it', async () => {
    // An endpoint row that passed registration (say, its name resolved to a public address then).
    const ds = stack.workerDeps.dataSource;
    const created = await register(receiver.script('/rebound', [200]), ['order.paid']);
    const [event] = [buildCloudEvent(freshInput('order.paid'))];
    const deliveryId = randomUUID();
    const now = new Date();
    await ds.getRepository(WebhookDeliveryEntity).insert({
      id: deliveryId,
      endpointId: created.body.id,
      eventId: event!.id,
      eventType: event!.type,
      payload: JSON.stringify(event),
      status: 'PENDING',
      attempts: 0,
      runs: 1,
      lastStatusCode: null,
      lastError: null,
      lastResponseExcerpt: null,
      lastAttemptAt: null,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    });
    // A name that resolves to loopback now (the rebinding case): the guard resolves, then refuses.
    await ds
      .getRepository(WebhookEndpointEntity)
      .update({ id: created.body.id }, { url: `http://rebound.test:${receiver.port}/rebound` });
    const activities = createWebhookActivities({
      dataSource: ds,
      allowPrivateTargets: false,
      timeoutMs: 2000,
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    const result = await new MockActivityEnvironment().run(activities.attemptWebhookDelivery, {
      deliveryId,
      nextDelayMs: 1000,
    });
    expect(result).toMatchObject({ outcome: 'FAILED', statusCode: null, attempts: 1 });
    const row = await ds.getRepository(WebhookDeliveryEntity).findOneByOrFail({ id: deliveryId });
    expect(row).toMatchObject({ status: 'RETRYING', attempts: 1, lastStatusCode: null });
    expect(row.lastError).toMatch(/loopback/);
    expect(receiver.on('/rebound')).toHaveLength(0);
  });
});
