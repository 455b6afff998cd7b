// The publishEvent activity and the JSONL sink (embedded mode): the same document whatever the
// attempt, published once per ID per process, invalid data refused without retries, and the file
// holding exactly the published documents, one per line.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createEventActivities } from '../../activities/events/event.activities';
import { UnconfirmedEvents } from '../../activities/events/unconfirmed-events';
import { eventExamples, type ShopCloudEvent } from '../../common/events/catalogue';
import { buildCloudEvent } from '../../common/events/envelope';
import { JsonlEventPublisher } from '../../common/events/jsonl-publisher';
import { createEventPublisher, type EventPublisher } from '../../common/events/publisher';
import { parseConfig } from '../../common/config';
import { SHOP_EVENT_NAMES, type PublishEventInput, type PublishEventResult } from '../../workflows/shared/events';
import { eventValidator } from '../support/event-schemas';

const input = (name: (typeof SHOP_EVENT_NAMES)[number]) => ({ name, ...eventExamples[name] }) as PublishEventInput;
const env = () => new MockActivityEnvironment({ attempt: 1 });
const run = (fn: (i: PublishEventInput) => Promise<PublishEventResult>, i: PublishEventInput, attempt = 1) =>
  new MockActivityEnvironment({ attempt }).run(fn, i) as Promise<PublishEventResult>;

/** A publisher that records and can be told to fail its next calls (a broker refusing). */
class RecordingPublisher implements EventPublisher {
  readonly kind = 'jsonl' as const;
  sent: ShopCloudEvent[] = [];
  failNext = 0;
  async publish(event: ShopCloudEvent) {
    await new Promise((r) => setTimeout(r, 5));
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('broker unreachable');
    }
    this.sent.push(event);
  }
  async close() {}
}

describe('publishEvent activity', () => {
  it('publishes the CloudEvent built from the input, once per event ID (repeats and concurrent calls)', async () => {
    const publisher = new RecordingPublisher();
    const { publishEvent } = createEventActivities({ publisher });
    const [a, b] = await Promise.all([run(publishEvent, input('order.paid')), run(publishEvent, input('order.paid'))]);
    const again = await run(publishEvent, input('order.paid'));
    expect(a.id).toBe(buildCloudEvent(input('order.paid')).id);
    expect([b.id, again.id]).toEqual([a.id, a.id]);
    expect(again.published).toBe(false);
    expect(publisher.sent).toEqual([buildCloudEvent(input('order.paid'))]);
  });

  it('a failed attempt throws (retryable) and the retry sends the identical document', async () => {
    const publisher = new RecordingPublisher();
    publisher.failNext = 1;
    const { publishEvent } = createEventActivities({ publisher });
    const err = await env()
      .run(publishEvent, input('order.shipped'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    const retried = await run(publishEvent, input('order.shipped'), 2);
    expect(retried.published).toBe(true);
    expect(publisher.sent).toEqual([buildCloudEvent(input('order.shipped'))]);
  });

  it('invalid data is a non-retryable InvalidEvent failure, and nothing is sent', async () => {
    const publisher = new RecordingPublisher();
    const { publishEvent } = createEventActivities({ publisher });
    const bad = input('user.registered');
    const err = await env()
      .run(publishEvent, { ...bad, data: { ...bad.data, passwordHash: 'x' } } as unknown as PublishEventInput)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'InvalidEvent', nonRetryable: true });
    expect(publisher.sent).toEqual([]);
  });
});

describe('unconfirmed events (shop_event_oldest_unconfirmed_seconds)', () => {
  it("reports an event's age from its change while the broker refuses it, and nothing once confirmed", async () => {
    const publisher = new RecordingPublisher();
    publisher.failNext = 2;
    const unconfirmed = new UnconfirmedEvents();
    const lags: number[] = [];
    const { publishEvent } = createEventActivities({ publisher, unconfirmed, onConfirmed: (ms) => lags.push(ms) });
    const i = input('order.paid');
    const changedAt = Date.parse(buildCloudEvent(i).time);
    await run(publishEvent, i).catch(() => undefined);
    await run(publishEvent, i, 2).catch(() => undefined);
    const now = Date.now();
    expect(unconfirmed.oldestAgeMs(now)).toBe(now - changedAt);
    await run(publishEvent, i, 3);
    expect([unconfirmed.oldestAgeMs(), unconfirmed.size]).toEqual([0, 0]);
    expect(lags).toHaveLength(1);
    expect(lags[0]).toBeGreaterThanOrEqual(now - changedAt);
    // Published again (a retried workflow task): not confirmed twice.
    await run(publishEvent, i, 4);
    expect(lags).toHaveLength(1);
  });

  it('forgets an event not attempted here for a while (its retry ran in another process)', () => {
    const u = new UnconfirmedEvents(60_000);
    u.attempting('a', 1_000, 10_000);
    u.attempting('b', 5_000, 50_000);
    expect(u.oldestAgeMs(60_000)).toBe(59_000);
    expect(u.oldestAgeMs(100_000)).toBe(95_000); // a forgotten, b still in flight
    expect(u.size).toBe(1);
    expect(u.confirmed('b', 100_000)).toBe(95_000);
    expect(u.oldestAgeMs(100_000)).toBe(0);
  });
});

describe('JSONL sink (AMQP_URL unset)', () => {
  it('is what the config selects without AMQP_URL, under DATA_DIR/events.jsonl', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'events-'));
    const publisher = createEventPublisher(parseConfig({ DATA_DIR: dir }));
    expect(publisher.kind).toBe('jsonl');
    expect((publisher as JsonlEventPublisher).file).toBe(path.join(dir, 'events.jsonl'));
    await publisher.close();
  });

  it('appends every published document, whole, one per line, in publish order', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'events-'));
    const publisher = new JsonlEventPublisher(path.join(dir, 'events.jsonl'));
    const { publishEvent } = createEventActivities({ publisher });
    const events = SHOP_EVENT_NAMES.map((n) => buildCloudEvent(input(n)));
    await Promise.all(SHOP_EVENT_NAMES.map((n) => env().run(publishEvent, input(n))));
    await publisher.close();
    const lines = readFileSync(path.join(dir, 'events.jsonl'), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    const docs = lines.map((l) => JSON.parse(l) as ShopCloudEvent);
    expect(docs).toEqual(events);
    const validate = eventValidator();
    for (const doc of docs) expect(validate(doc)).toEqual([]);
  });
});
