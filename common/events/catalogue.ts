// The event catalogue's schemas: one zod schema per event's data (tied to the contract's types
// in workflows/shared/events.ts, both ways), the CloudEvents envelope around it, an example of
// each, and the JSON Schemas generated from them (docs/events/schemas, `npm run events -- schemas`).
// Every object is strict (additionalProperties: false): a field that is not in the catalogue,
// such as a password hash or a card number, makes the event invalid instead of leaking it.
import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  eventDomain,
  eventType,
  SHOP_EVENT_NAMES,
  type ShopEventDataMap,
  type ShopEventName,
} from '../../workflows/shared/events';

extendZodWithOpenApi(z);

/** `sequence` is a CloudEvents String (the sequence extension): zero-padded, so it sorts as text. */
export const SEQUENCE_DIGITS = 10;
export const formatSequence = (sequence: number): string => String(sequence).padStart(SEQUENCE_DIGITS, '0');

const uuid = z.string().uuid();
const timestamp = z.string().datetime({ offset: true });
const cents = z.number().int();
const currency = z.string().regex(/^[A-Z]{3}$/);
const code = z.string().regex(/^[A-Z][A-Z0-9_]*$/);

const orderItem = z
  .object({
    productId: uuid,
    name: z.string(),
    unitPriceCents: cents.nonnegative(),
    quantity: z.number().int().positive(),
  })
  .strict();

const productSnapshot = z
  .object({
    productId: uuid,
    sku: z.string(),
    name: z.string(),
    description: z.string(),
    priceCents: cents.nonnegative(),
    currency,
    stock: z.number().int().nonnegative(),
    updatedAt: timestamp,
  })
  .strict();

/** The data schema of each event. The mapped type makes a missing or extra event a compile error. */
export const eventDataSchemas: { [N in ShopEventName]: z.ZodType<ShopEventDataMap[N]> } = {
  'user.registered': z
    .object({
      userId: uuid,
      email: z.string().email(),
      name: z.string(),
      role: z.enum(['customer', 'admin']),
      registeredAt: timestamp,
    })
    .strict(),
  'product.created': productSnapshot,
  'product.updated': productSnapshot,
  'product.deleted': z.object({ productId: uuid, sku: z.string(), deletedAt: timestamp }).strict(),
  'order.accepted': z
    .object({
      orderId: uuid,
      userId: uuid,
      items: z.array(orderItem).min(1),
      totalCents: cents.nonnegative(),
      currency,
      acceptedAt: timestamp,
    })
    .strict(),
  'order.rejected': z.object({ orderId: uuid, userId: uuid, reason: code, rejectedAt: timestamp }).strict(),
  'order.paid': z
    .object({
      orderId: uuid,
      userId: uuid,
      totalCents: cents.nonnegative(),
      currency,
      chargeId: z.string().min(1),
      paidAt: timestamp,
    })
    .strict(),
  'order.payment_failed': z.object({ orderId: uuid, userId: uuid, reason: code, failedAt: timestamp }).strict(),
  'order.cancelled': z
    .object({
      orderId: uuid,
      userId: uuid,
      cancelledBy: z.enum(['customer', 'admin', 'system']),
      reason: z.string().max(500).optional(),
      refund: z
        .object({ refundId: z.string().min(1), amountCents: cents.nonnegative(), currency })
        .strict()
        .nullable(),
      cancelledAt: timestamp,
    })
    .strict(),
  'order.shipped': z.object({ orderId: uuid, userId: uuid, shippedAt: timestamp }).strict(),
};

/** Compile-time check that each zod schema infers exactly the contract's type (not just a subtype). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Inferred<N extends ShopEventName> = z.infer<(typeof eventDataSchemas)[N]>;
const _exact: { [N in ShopEventName]: Same<Inferred<N>, ShopEventDataMap[N]> } = {
  'user.registered': true,
  'product.created': true,
  'product.updated': true,
  'product.deleted': true,
  'order.accepted': true,
  'order.rejected': true,
  'order.paid': true,
  'order.payment_failed': true,
  'order.cancelled': true,
  'order.shipped': true,
};
void _exact;

export const CLOUDEVENTS_SPECVERSION = '1.0';
export const EVENT_DATA_CONTENT_TYPE = 'application/json';
export const eventSource = (name: ShopEventName): string => `/temporal-shop/${eventDomain(name)}`;

/** The whole CloudEvent of one type, as published (JSON format, structured mode). */
export function eventEnvelopeSchema<N extends ShopEventName>(name: N) {
  return z
    .object({
      specversion: z.literal(CLOUDEVENTS_SPECVERSION),
      id: uuid.openapi({ description: 'UUIDv5 of type, subject and sequence: a retried publish carries the same ID' }),
      source: z.literal(eventSource(name)),
      type: z.literal(eventType(name)),
      subject: uuid.openapi({ description: 'The entity ID (user, product or order)' }),
      time: timestamp.openapi({ description: 'When the state change happened' }),
      datacontenttype: z.literal(EVENT_DATA_CONTENT_TYPE),
      sequence: z
        .string()
        .regex(new RegExp(`^\\d{${SEQUENCE_DIGITS}}$`))
        .openapi({ description: "Position among the subject's events, from 1, zero-padded (sorts as text)" }),
      data: eventDataSchemas[name],
    })
    .strict()
    .openapi({ title: eventType(name) });
}

export type ShopCloudEvent<N extends ShopEventName = ShopEventName> = {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  sequence: string;
  data: ShopEventDataMap[N];
};

/** The JSON Schema (2020-12, as OpenAPI 3.1 uses) of every event, by CloudEvents type. */
export function eventJsonSchemas(): Record<string, Record<string, unknown>> {
  const registry = new OpenAPIRegistry();
  for (const name of SHOP_EVENT_NAMES) registry.register(eventType(name), eventEnvelopeSchema(name));
  const schemas = new OpenApiGeneratorV31(registry.definitions).generateComponents().components?.schemas ?? {};
  const out: Record<string, Record<string, unknown>> = {};
  for (const name of SHOP_EVENT_NAMES) {
    const type = eventType(name);
    out[type] = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: `urn:temporal-shop:events:${type}`,
      ...(schemas[type] as Record<string, unknown>),
    };
  }
  return out;
}

const USER = '2b1f4c1e-8f5e-4a57-9b8a-3c1d2e4f5a60';
const ORDER = '7d9e0f11-2a3b-4c5d-8e6f-708192a3b4c5';
const PRODUCT = '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f';
const product = {
  productId: PRODUCT,
  sku: 'MUG-001',
  name: 'Temporal mug',
  description: 'Holds 350 ml of coffee, durably.',
  priceCents: 1299,
  currency: 'USD',
  stock: 40,
  updatedAt: '2026-12-01T09:00:00.000Z',
};

/** One example of each event: the subject, sequence and data (docs/events.md shows them built). */
export const eventExamples: {
  [N in ShopEventName]: { subject: string; sequence: number; time: string; data: ShopEventDataMap[N] };
} = {
  'user.registered': {
    subject: USER,
    sequence: 1,
    time: '2026-12-01T08:59:00.000Z',
    data: {
      userId: USER,
      email: 'ada@example.com',
      name: 'Ada',
      role: 'customer',
      registeredAt: '2026-12-01T08:59:00.000Z',
    },
  },
  'product.created': { subject: PRODUCT, sequence: 1, time: product.updatedAt, data: product },
  'product.updated': {
    subject: PRODUCT,
    sequence: 2,
    time: '2026-12-01T09:30:00.000Z',
    data: { ...product, priceCents: 1199, updatedAt: '2026-12-01T09:30:00.000Z' },
  },
  'product.deleted': {
    subject: PRODUCT,
    sequence: 3,
    time: '2026-12-20T17:00:00.000Z',
    data: { productId: PRODUCT, sku: 'MUG-001', deletedAt: '2026-12-20T17:00:00.000Z' },
  },
  'order.accepted': {
    subject: ORDER,
    sequence: 1,
    time: '2026-12-01T10:00:00.000Z',
    data: {
      orderId: ORDER,
      userId: USER,
      items: [{ productId: PRODUCT, name: 'Temporal mug', unitPriceCents: 1199, quantity: 2 }],
      totalCents: 2398,
      currency: 'USD',
      acceptedAt: '2026-12-01T10:00:00.000Z',
    },
  },
  'order.rejected': {
    subject: ORDER,
    sequence: 1,
    time: '2026-12-01T10:00:00.000Z',
    data: { orderId: ORDER, userId: USER, reason: 'OUT_OF_STOCK', rejectedAt: '2026-12-01T10:00:00.000Z' },
  },
  'order.paid': {
    subject: ORDER,
    sequence: 2,
    time: '2026-12-01T10:00:02.000Z',
    data: {
      orderId: ORDER,
      userId: USER,
      totalCents: 2398,
      currency: 'USD',
      chargeId: 'ch_sandbox_0f4c1a',
      paidAt: '2026-12-01T10:00:02.000Z',
    },
  },
  'order.payment_failed': {
    subject: ORDER,
    sequence: 2,
    time: '2026-12-01T10:00:02.000Z',
    data: { orderId: ORDER, userId: USER, reason: 'PAYMENT_DECLINED', failedAt: '2026-12-01T10:00:02.000Z' },
  },
  'order.cancelled': {
    subject: ORDER,
    sequence: 3,
    time: '2026-12-01T11:00:00.000Z',
    data: {
      orderId: ORDER,
      userId: USER,
      cancelledBy: 'customer',
      refund: { refundId: 're_sandbox_9a8b7c', amountCents: 2398, currency: 'USD' },
      cancelledAt: '2026-12-01T11:00:00.000Z',
    },
  },
  'order.shipped': {
    subject: ORDER,
    sequence: 3,
    time: '2026-12-02T08:00:00.000Z',
    data: { orderId: ORDER, userId: USER, shippedAt: '2026-12-02T08:00:00.000Z' },
  },
};
