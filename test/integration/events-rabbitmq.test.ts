// Integration events on the machine's real RabbitMQ (TEST_AMQP_URL, default guest@127.0.0.1:5672):
// what a bound queue receives (a schema-valid CloudEvent, binding headers, persistent, routed by
// name), retries that carry the same ID and a consumer that drops the duplicates, a connection cut
// mid-stream (TCP proxy between publisher and broker) that loses nothing, and `npm run events --
// tail` in both modes.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection, type AsyncMessage, type Consumer } from 'rabbitmq-client';
import { createEventActivities } from '../../activities/events/event.activities';
import { eventExamples, type ShopCloudEvent } from '../../common/events/catalogue';
import { buildCloudEvent } from '../../common/events/envelope';
import { JsonlEventPublisher } from '../../common/events/jsonl-publisher';
import { RabbitMqEventPublisher } from '../../common/events/rabbitmq-publisher';
import { Client, Connection as TemporalConnection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker } from '@temporalio/worker';
import {
  EVENTS_EXCHANGE,
  SHOP_EVENT_NAMES,
  type PublishEventInput,
  type PublishEventResult,
  type ShopEventName,
} from '../../workflows/shared/events';
import { eventually } from '../support/eventually';
import { eventValidator } from '../support/event-schemas';
import { TcpProxy } from '../support/tcp-proxy';
import type { probePublishEvents } from '../support/events-probe.workflows';
import { testEnv } from '../support/test-env';

const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const brokerPort = Number(new URL(AMQP_URL).port || 5672);
const root = path.resolve(__dirname, '..', '..');

/** An event of `name` about a fresh entity (so this run's messages are told apart from others'). */
function freshInput(name: ShopEventName, subject: string = randomUUID(), sequence = 1): PublishEventInput {
  const example = eventExamples[name];
  const data = { ...example.data } as Record<string, unknown>;
  for (const key of ['orderId', 'productId', 'userId'])
    if (key in data && data[key] === example.subject) data[key] = subject;
  return { name, subject, sequence, time: new Date().toISOString(), data } as unknown as PublishEventInput;
}

interface Received {
  routingKey: string;
  msg: AsyncMessage;
  doc: ShopCloudEvent;
}

/** A queue bound to shop.events that keeps what arrives (the test's consumer). */
async function boundQueue(connection: Connection, pattern = '#'): Promise<{ got: Received[]; consumer: Consumer }> {
  const got: Received[] = [];
  const queue = `events-test-${randomUUID()}`;
  const consumer = connection.createConsumer(
    {
      queue,
      queueOptions: { exclusive: true, autoDelete: true, durable: false },
      exchanges: [{ exchange: EVENTS_EXCHANGE, type: 'topic', durable: true }],
      queueBindings: [{ exchange: EVENTS_EXCHANGE, queue, routingKey: pattern }],
    },
    async (msg) => {
      const text = Buffer.isBuffer(msg.body) ? msg.body.toString('utf8') : JSON.stringify(msg.body);
      got.push({ routingKey: msg.routingKey, msg, doc: JSON.parse(text) as ShopCloudEvent });
    },
  );
  await new Promise<void>((resolve, reject) => {
    consumer.once('ready', () => resolve());
    consumer.once('error', reject);
  });
  return { got, consumer };
}

/** What a consumer does with at-least-once delivery: process each event ID once. */
function dedupeById(received: Received[]): ShopCloudEvent[] {
  const seen = new Map<string, ShopCloudEvent>();
  for (const { doc } of received) {
    const first = seen.get(doc.id);
    if (first)
      expect(doc).toEqual(first); // a duplicate is the same document, not a new event
    else seen.set(doc.id, doc);
  }
  return [...seen.values()];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('integration events on RabbitMQ', () => {
  let connection: Connection;
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    connection = new Connection({ url: AMQP_URL, connectionName: 'events test consumer' });
    await connection.onConnect(10_000);
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  });

  afterAll(async () => {
    await connection.close();
  });

  it('every catalogue event reaches a bound queue as a schema-valid, persistent CloudEvent with the binding headers', async () => {
    const { got, consumer } = await boundQueue(connection);
    closers.push(() => consumer.close());
    const publisher = new RabbitMqEventPublisher({ url: AMQP_URL });
    closers.push(() => publisher.close());
    const events = SHOP_EVENT_NAMES.map((name) => buildCloudEvent(freshInput(name)));
    for (const event of events) await publisher.publish(event);

    const ids = new Set(events.map((e) => e.id));
    const mine = await eventually(async () => {
      const m = got.filter((r) => ids.has(r.doc.id));
      return m.length >= events.length ? m : undefined;
    }, 'all events delivered');
    expect(mine).toHaveLength(events.length);
    const validate = eventValidator();
    for (const [i, { routingKey, msg, doc }] of mine.entries()) {
      const event = events[i]!;
      expect(doc).toEqual(event);
      expect(validate(doc)).toEqual([]);
      expect(routingKey).toBe(SHOP_EVENT_NAMES[i]);
      expect(msg.exchange).toBe(EVENTS_EXCHANGE);
      expect(msg.durable).toBe(true); // delivery mode 2 (persistent)
      expect(msg.messageId).toBe(event.id);
      expect(msg.contentType).toBe('application/cloudevents+json; charset=utf-8');
      expect(msg.headers).toMatchObject({
        cloudEvents_specversion: '1.0',
        cloudEvents_id: event.id,
        cloudEvents_source: event.source,
        cloudEvents_type: event.type,
        cloudEvents_subject: event.subject,
        cloudEvents_time: event.time,
        cloudEvents_sequence: event.sequence,
      });
      expect(Object.keys(msg.headers ?? {}).filter((k) => k.startsWith('cloudEvents:'))).toEqual([]);
    }
  });

  it('the exchange is a durable topic exchange: a pattern binding gets its events only', async () => {
    const declared = await connection.exchangeDeclare({
      exchange: EVENTS_EXCHANGE,
      type: 'topic',
      durable: true,
      passive: true,
    });
    expect(declared).toBeUndefined(); // passive declare succeeds only if it exists as declared
    const { got, consumer } = await boundQueue(connection, 'order.*');
    closers.push(() => consumer.close());
    const publisher = new RabbitMqEventPublisher({ url: AMQP_URL });
    closers.push(() => publisher.close());
    const subject = randomUUID();
    const paid = buildCloudEvent(freshInput('order.paid', subject, 2));
    const product = buildCloudEvent(freshInput('product.created', subject));
    await publisher.publish(product);
    await publisher.publish(paid);
    await eventually(async () => (got.some((r) => r.doc.id === paid.id) ? true : undefined), 'order.paid delivered');
    await sleep(300);
    expect(got.filter((r) => r.doc.subject === subject).map((r) => r.routingKey)).toEqual(['order.paid']);
  });

  it('a retried publish carries the same ID; the consumer processes the event once', async () => {
    const { got, consumer } = await boundQueue(connection);
    closers.push(() => consumer.close());
    const input = freshInput('order.shipped', randomUUID(), 3);
    // Two processes (a worker that crashed after the confirm, and the one whose retry ran the
    // activity again): each publishes, so the broker holds the event twice.
    for (let attempt = 1; attempt <= 2; attempt++) {
      const publisher = new RabbitMqEventPublisher({ url: AMQP_URL });
      const { publishEvent } = createEventActivities({ publisher });
      const result = (await new MockActivityEnvironment({ attempt }).run(publishEvent, input)) as PublishEventResult;
      expect(result.published).toBe(true);
      // The same process asked again publishes nothing more.
      expect(await new MockActivityEnvironment({ attempt: attempt + 1 }).run(publishEvent, input)).toEqual({
        id: result.id,
        published: false,
      });
      await publisher.close();
    }
    const id = buildCloudEvent(input).id;
    const mine = await eventually(async () => {
      const m = got.filter((r) => r.doc.subject === input.subject);
      return m.length >= 2 ? m : undefined;
    }, 'both deliveries');
    await sleep(300);
    expect(got.filter((r) => r.doc.subject === input.subject).map((r) => r.doc.id)).toEqual([id, id]);
    expect(dedupeById(mine).map((d) => d.id)).toEqual([id]);
  });

  it.each([
    [2_500, 'within what one publish waits for a connection'],
    [6_000, 'past it: attempts fail and the caller’s retries deliver'],
  ])('the broker connection cut mid-stream for %i ms (%s): nothing is lost', async (cutMs) => {
    const proxy = await TcpProxy.start({ targetPort: brokerPort });
    closers.push(() => proxy.close());
    const { got, consumer } = await boundQueue(connection);
    closers.push(() => consumer.close());
    const url = AMQP_URL.replace(/:\d+(\/|$)/, `:${proxy.port}$1`).replace(/@[^:/]+:/, '@127.0.0.1:');
    const publisher = new RabbitMqEventPublisher({ url, acquireTimeoutMs: 2_000, retryLowMs: 100, retryHighMs: 500 });
    closers.push(() => publisher.close());

    // Three entities, 20 events each, published in order per entity, each retried until confirmed
    // (as the activity's retry policy does).
    const subjects: string[] = [randomUUID(), randomUUID(), randomUUID()];
    const perSubject = 20;
    let confirmed = 0;
    let failedAttempts = 0;
    const confirmedAt: number[] = [];
    const startedAt: number[] = [];
    const lanes = subjects.map(async (subject) => {
      for (let sequence = 1; sequence <= perSubject; sequence++) {
        const event = buildCloudEvent(freshInput('order.accepted', subject, sequence));
        const started = Date.now();
        for (;;) {
          try {
            await publisher.publish(event);
            break;
          } catch {
            failedAttempts++;
            await sleep(100);
          }
        }
        startedAt.push(started);
        confirmedAt.push(Date.now());
        confirmed++;
        await sleep(20);
      }
    });
    await eventually(async () => (confirmed >= 15 ? true : undefined), '15 confirmed before the cut');
    proxy.cut('reset');
    const cutAt = Date.now();
    await sleep(cutMs);
    const confirmedDuringCut = confirmed;
    proxy.restore();
    const restoredAt = Date.now();
    await Promise.all(lanes);

    expect(confirmed).toBe(subjects.length * perSubject);
    // Nothing was confirmed while the broker was unreachable (publishes waited), and publishing went on after.
    expect(confirmedAt.filter((t) => t > cutAt + 200 && t < restoredAt)).toEqual([]);
    expect(confirmedDuringCut).toBeLessThan(subjects.length * perSubject);
    expect(startedAt.filter((t, i) => t < restoredAt && confirmedAt[i]! > restoredAt).length).toBeGreaterThan(0);

    const expected = new Set(
      subjects.flatMap((s) =>
        Array.from({ length: perSubject }, (_, i) => buildCloudEvent(freshInput('order.accepted', s, i + 1)).id),
      ),
    );
    const mine = await eventually(async () => {
      const m = got.filter((r) => subjects.includes(r.doc.subject));
      return new Set(m.map((r) => r.doc.id)).size >= expected.size ? m : undefined;
    }, 'every event delivered after the outage');
    const unique = dedupeById(mine);
    expect(new Set(unique.map((d) => d.id))).toEqual(expected); // 0 missing, duplicates only with an identical ID
    for (const subject of subjects) {
      const sequences = unique.filter((d) => d.subject === subject).map((d) => Number(d.sequence));
      expect(sequences).toEqual(Array.from({ length: perSubject }, (_, i) => i + 1)); // in order per entity
    }
    if (cutMs > 4_000) expect(failedAttempts).toBeGreaterThan(0); // past acquireTimeoutMs × maxAttempts
    console.log(
      `outage: ${mine.length} deliveries of ${expected.size} events (${mine.length - expected.size} duplicates), ${failedAttempts} failed attempts, cut ${restoredAt - cutAt} ms`,
    );
  });

  it('through Temporal: publishEvent with PUBLISH_EVENT_ACTIVITY_OPTIONS waits out a broker outage and the workflow completes', async () => {
    const proxy = await TcpProxy.start({ targetPort: brokerPort });
    closers.push(() => proxy.close());
    const { got, consumer } = await boundQueue(connection, 'order.*');
    closers.push(() => consumer.close());
    const url = AMQP_URL.replace(/:\d+(\/|$)/, `:${proxy.port}$1`).replace(/@[^:/]+:/, '@127.0.0.1:');
    const publisher = new RabbitMqEventPublisher({ url, acquireTimeoutMs: 1_000, retryLowMs: 100, retryHighMs: 500 });
    closers.push(() => publisher.close());

    const { temporalAddress } = testEnv();
    const workerConnection = await NativeConnection.connect({ address: temporalAddress });
    closers.push(() => workerConnection.close());
    const taskQueue = `events-probe-${randomUUID()}`;
    const worker = await Worker.create({
      connection: workerConnection,
      taskQueue,
      workflowsPath: require.resolve('../support/events-probe.workflows'),
      activities: createEventActivities({ publisher }),
    });
    const running = worker.run();
    closers.push(async () => {
      worker.shutdown();
      await running;
    });
    const clientConnection = await TemporalConnection.connect({ address: temporalAddress });
    closers.push(() => clientConnection.close());
    const client = new Client({ connection: clientConnection });

    const orderId = randomUUID();
    const inputs = (['order.accepted', 'order.paid', 'order.shipped'] as const).map((name, i) =>
      freshInput(name, orderId, i + 1),
    );
    proxy.cut('reset');
    const handle = await client.workflow.start<typeof probePublishEvents>('probePublishEvents', {
      taskQueue,
      workflowId: `events-probe-${orderId}`,
      args: [inputs],
    });
    // The first publish fails its attempts while the broker is unreachable; the workflow waits.
    const attempt = await eventually(
      async () => {
        const pending = (await handle.describe()).raw.pendingActivities ?? [];
        const a = pending[0]?.attempt ?? 0;
        return a >= 2 ? a : undefined;
      },
      'a retried publishEvent attempt',
      20_000,
    );
    expect(attempt).toBeGreaterThanOrEqual(2);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect(got.filter((r) => r.doc.subject === orderId)).toEqual([]);
    proxy.restore();
    const results = await handle.result();
    const expected = inputs.map((input) => buildCloudEvent(input));
    expect(results.map((r) => r.id)).toEqual(expected.map((e) => e.id));
    const delivered = await eventually(async () => {
      const m = got.filter((r) => r.doc.subject === orderId);
      return new Set(m.map((r) => r.doc.id)).size >= expected.length ? m : undefined;
    }, 'the three events after the outage');
    expect(dedupeById(delivered)).toEqual(expected); // all of them, in order, each once after dedupe
  });

  describe('npm run events -- tail', () => {
    const children: ChildProcess[] = [];
    afterEach(() => {
      for (const child of children.splice(0)) child.kill('SIGTERM');
    });

    function tail(env: Record<string, string>, pattern: string) {
      const child = spawn(
        process.execPath,
        [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/events.ts', 'tail', pattern],
        {
          cwd: root,
          env: { ...process.env, ...env, AMQP_URL: env.AMQP_URL ?? '' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      children.push(child);
      const out = { stdout: '', stderr: '' };
      child.stdout!.on('data', (c: Buffer) => (out.stdout += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (out.stderr += c.toString()));
      return out;
    }

    it('with AMQP_URL: a temporary queue bound with the pattern prints matching events as they arrive', async () => {
      const out = tail({ AMQP_URL }, 'order.*');
      await eventually(
        async () => (out.stderr.includes('tailing shop.events') ? true : undefined),
        'tail ready',
        30_000,
      );
      const publisher = new RabbitMqEventPublisher({ url: AMQP_URL });
      closers.push(() => publisher.close());
      const paid = buildCloudEvent(freshInput('order.paid'));
      const created = buildCloudEvent(freshInput('product.created'));
      await publisher.publish(created);
      await publisher.publish(paid);
      await eventually(async () => (out.stdout.includes(paid.id) ? true : undefined), 'order.paid printed');
      expect(out.stdout).toContain(JSON.stringify(paid));
      expect(out.stdout).not.toContain(created.id);
    });

    it('without AMQP_URL: follows DATA_DIR/events.jsonl with the same pattern rules', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'events-tail-'));
      const sink = new JsonlEventPublisher(path.join(dir, 'events.jsonl'));
      closers.push(() => sink.close());
      const before = buildCloudEvent(freshInput('order.paid'));
      await sink.publish(before); // already there when tail starts: not printed
      const out = tail({ DATA_DIR: dir }, 'order.#');
      await eventually(async () => (out.stderr.includes('tailing') ? true : undefined), 'tail ready', 30_000);
      await sleep(500);
      const shipped = buildCloudEvent(freshInput('order.shipped'));
      const registered = buildCloudEvent(freshInput('user.registered'));
      await sink.publish(registered);
      await sink.publish(shipped);
      await eventually(async () => (out.stdout.includes(shipped.id) ? true : undefined), 'order.shipped printed');
      expect(out.stdout).not.toContain(registered.id);
      expect(out.stdout).not.toContain(before.id);
    });
  });
});
