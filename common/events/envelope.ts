// Building one event: the CloudEvents 1.0 document (through the `cloudevents` SDK, which checks
// the attribute names and types) from what the workflow handed over, with an ID derived from the
// event's identity, and its AMQP binding headers.
import { createHash } from 'node:crypto';
import { CloudEvent } from 'cloudevents';
import type { z } from 'zod';
import { eventType, type PublishEventInput, type ShopEventName } from '../../workflows/shared/events';
import {
  CLOUDEVENTS_SPECVERSION,
  EVENT_DATA_CONTENT_TYPE,
  eventDataSchemas,
  eventSource,
  formatSequence,
  type ShopCloudEvent,
} from './catalogue';

/** The data broke its schema: a bug in the publishing code, not an outage (not retried). */
export class InvalidEventError extends Error {
  readonly type = 'InvalidEvent';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

/** Fixed namespace of the shop's event IDs (RFC 9562 UUIDv5). Never change it: IDs would change. */
export const EVENT_ID_NAMESPACE = 'b878f6db-b14b-4465-9707-4ef1bc9e7608';

/** RFC 9562 UUID version 5 (SHA-1, name-based). */
export function uuidV5(name: string, namespace: string = EVENT_ID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The event's ID: the same type, subject and sequence always give the same ID (a retry is recognisable). */
export const eventId = (name: ShopEventName, subject: string, sequence: number): string =>
  uuidV5(`${eventType(name)}:${subject}:${sequence}`);

export function buildCloudEvent(input: PublishEventInput): ShopCloudEvent {
  const { name, subject, sequence, time, data } = input;
  if (!Number.isSafeInteger(sequence) || sequence < 1)
    throw new InvalidEventError(`${name}: sequence must be a positive integer, got ${sequence}`);
  if (!subject) throw new InvalidEventError(`${name}: subject is required`);
  const schema = eventDataSchemas[name] as z.ZodType<unknown> | undefined;
  if (!schema) throw new InvalidEventError(`unknown event ${String(name)}`);
  const parsed = schema.safeParse(data);
  if (!parsed.success)
    throw new InvalidEventError(
      `${name} ${subject}#${sequence}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'} ${i.message}`).join('; ')}`,
    );
  const ce = new CloudEvent<ShopCloudEvent['data']>({
    specversion: CLOUDEVENTS_SPECVERSION,
    id: eventId(name, subject, sequence),
    source: eventSource(name),
    type: eventType(name),
    subject,
    time: new Date(time).toISOString(),
    datacontenttype: EVENT_DATA_CONTENT_TYPE,
    sequence: formatSequence(sequence),
    data,
  });
  return JSON.parse(ce.toString()) as ShopCloudEvent;
}

/** The event name an event document belongs to (`shop.order.paid` → `order.paid`). */
export const eventName = (event: Pick<ShopCloudEvent, 'type'>): string => event.type.replace(/^shop\./, '');

/**
 * AMQP application properties of the CloudEvents AMQP binding: every attribute except `data`
 * and `datacontenttype`, prefixed `cloudEvents_` (the binding's preferred separator since 1.0.3,
 * JMS-compatible; one separator per message), values in their canonical string form.
 */
export const AMQP_HEADER_PREFIX = 'cloudEvents_';
export function amqpBindingHeaders(event: ShopCloudEvent): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === 'data' || key === 'data_base64' || key === 'datacontenttype' || value === undefined) continue;
    headers[`${AMQP_HEADER_PREFIX}${key}`] = String(value);
  }
  return headers;
}

/** The structured-mode content type (the whole CloudEvent, JSON format, is the message body). */
export const CLOUDEVENTS_JSON = 'application/cloudevents+json; charset=utf-8';
