// The event catalogue: every event's example builds into a CloudEvent that its committed JSON
// Schema accepts; the schemas are the ones generated from zod (not edited by hand); what must not
// leave the shop (password hashes, payment secrets, e-mail outside user.registered) cannot.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eventDataSchemas, eventExamples, eventJsonSchemas } from '../../common/events/catalogue';
import { amqpBindingHeaders, buildCloudEvent, eventId, InvalidEventError, uuidV5 } from '../../common/events/envelope';
import { topicMatches } from '../../common/events/publisher';
import { schemaFiles } from '../../scripts/events';
import { SHOP_EVENT_NAMES, type PublishEventInput, type ShopEventName } from '../../workflows/shared/events';
import { committedSchemas, eventValidator, SCHEMAS_DIR } from '../support/event-schemas';

const example = (name: ShopEventName): PublishEventInput => ({ name, ...eventExamples[name] }) as PublishEventInput;

describe('event catalogue', () => {
  const validate = eventValidator();

  it('has a data schema, an example and a committed JSON Schema for every event, and nothing else', () => {
    expect(Object.keys(eventDataSchemas).sort()).toEqual([...SHOP_EVENT_NAMES].sort());
    expect(Object.keys(eventExamples).sort()).toEqual([...SHOP_EVENT_NAMES].sort());
    expect(Object.keys(committedSchemas()).sort()).toEqual(SHOP_EVENT_NAMES.map((n) => `shop.${n}`).sort());
  });

  it('committed JSON Schemas are exactly what zod generates (npm run events -- schemas), byte for byte', () => {
    for (const [file, text] of Object.entries(schemaFiles()))
      expect({ file, text: readFileSync(path.join(SCHEMAS_DIR, file), 'utf8') }).toEqual({ file, text });
  });

  it.each(SHOP_EVENT_NAMES)('%s: the example builds a CloudEvent its schema accepts', (name) => {
    const event = buildCloudEvent(example(name));
    expect(validate(event)).toEqual([]);
    expect(event).toMatchObject({
      specversion: '1.0',
      type: `shop.${name}`,
      subject: eventExamples[name].subject,
      datacontenttype: 'application/json',
      sequence: String(eventExamples[name].sequence).padStart(10, '0'),
      time: eventExamples[name].time,
      data: eventExamples[name].data,
    });
    expect(event.source).toMatch(/^\/temporal-shop\/(users|catalog|orders)$/);
    // CloudEvents attribute names (extensions included): lower-case letters and digits only.
    for (const key of Object.keys(event)) expect(key).toMatch(/^[a-z0-9]+$/);
  });

  it('IDs are UUIDv5 of type, subject and sequence: the same event always gets the same ID', () => {
    // RFC 9562 test vector (DNS namespace, www.example.com).
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
    const first = buildCloudEvent(example('order.paid'));
    const retried = buildCloudEvent(example('order.paid'));
    expect(retried).toEqual(first);
    expect(first.id).toBe(eventId('order.paid', eventExamples['order.paid'].subject, 2));
    expect(first.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ids = new Set([
      first.id,
      eventId('order.paid', eventExamples['order.paid'].subject, 3),
      eventId('order.shipped', eventExamples['order.paid'].subject, 2),
      eventId('order.paid', randomUUID(), 2),
    ]);
    expect(ids.size).toBe(4);
  });

  describe('what must not leave the shop', () => {
    it('an event carrying a password hash is refused when built, and fails its JSON Schema (negative control)', () => {
      const input = example('user.registered');
      const leaky = {
        ...input,
        data: { ...input.data, passwordHash: '$2b$10$abcdefghijklmnopqrstuv' },
      } as unknown as PublishEventInput;
      expect(() => buildCloudEvent(leaky)).toThrow(InvalidEventError);
      expect(() => buildCloudEvent(leaky)).toThrow(/passwordHash/);
      const valid = buildCloudEvent(input);
      expect(validate(valid)).toEqual([]);
      expect(validate({ ...valid, data: { ...valid.data, passwordHash: 'x' } }).join()).toMatch(
        /additional properties/,
      );
      expect(validate({ ...valid, passwordhash: 'x' } as never).join()).toMatch(/additional properties/);
    });

    it('a card number or payment secret on an order event fails the same way', () => {
      const input = example('order.paid');
      for (const extra of [{ cardNumber: '4242424242424242' }, { clientSecret: 'pi_secret' }]) {
        expect(() =>
          buildCloudEvent({ ...input, data: { ...input.data, ...extra } } as unknown as PublishEventInput),
        ).toThrow(InvalidEventError);
        const doc = buildCloudEvent(input);
        expect(validate({ ...doc, data: { ...doc.data, ...extra } })).not.toEqual([]);
      }
    });

    it('every object of every schema is closed, and e-mail appears in user.registered only', () => {
      const schemas = eventJsonSchemas();
      const walk = (node: unknown, visit: (n: Record<string, unknown>, key?: string) => void, key?: string): void => {
        if (!node || typeof node !== 'object') return;
        visit(node as Record<string, unknown>, key);
        for (const [k, v] of Object.entries(node as Record<string, unknown>))
          if (k === 'properties') for (const [pk, pv] of Object.entries(v as object)) walk(pv, visit, pk);
          else walk(v, visit, key);
      };
      for (const [type, schema] of Object.entries(schemas)) {
        const emailFields: string[] = [];
        walk(schema, (n, key) => {
          const types = ([] as unknown[]).concat(n.type);
          if (types.includes('object'))
            expect({ type, key, additionalProperties: n.additionalProperties }).toEqual({
              type,
              key,
              additionalProperties: false,
            });
          if (n.format === 'email' || /e-?mail/i.test(key ?? '')) emailFields.push(key ?? '');
          expect(key ?? '').not.toMatch(/password|secret|card|cvc|token/i);
        });
        expect({ type, emailFields }).toEqual({ type, emailFields: type === 'shop.user.registered' ? ['email'] : [] });
      }
    });
  });

  it('invalid input is refused with a non-retryable reason: bad sequence, missing subject, wrong data', () => {
    const input = example('order.shipped');
    expect(() => buildCloudEvent({ ...input, sequence: 0 })).toThrow(InvalidEventError);
    expect(() => buildCloudEvent({ ...input, sequence: 1.5 })).toThrow(InvalidEventError);
    expect(() => buildCloudEvent({ ...input, subject: '' })).toThrow(InvalidEventError);
    expect(() =>
      buildCloudEvent({ ...input, data: { ...input.data, shippedAt: 'yesterday' } } as unknown as PublishEventInput),
    ).toThrow(/shippedAt/);
  });

  it('AMQP binding headers: every attribute but data and datacontenttype, prefixed cloudEvents_', () => {
    const event = buildCloudEvent(example('order.accepted'));
    expect(amqpBindingHeaders(event)).toEqual({
      cloudEvents_specversion: '1.0',
      cloudEvents_id: event.id,
      cloudEvents_source: '/temporal-shop/orders',
      cloudEvents_type: 'shop.order.accepted',
      cloudEvents_subject: event.subject,
      cloudEvents_time: event.time,
      cloudEvents_sequence: '0000000001',
    });
  });

  it('docs/events.md shows, for every event, exactly the document the code builds', () => {
    const doc = readFileSync(path.join(__dirname, '..', '..', 'docs', 'events.md'), 'utf8');
    for (const name of SHOP_EVENT_NAMES) {
      const block = new RegExp(
        `### \`shop\\.${name.replace('.', '\\.')}\`\\n\\n\`\`\`json\\n([\\s\\S]*?)\\n\`\`\``,
      ).exec(doc);
      expect({ name, shown: block ? JSON.parse(block[1]!) : null }).toEqual({
        name,
        shown: buildCloudEvent(example(name)),
      });
    }
  });

  it.each([
    ['#', 'order.paid', true],
    ['order.*', 'order.paid', true],
    ['order.*', 'order.payment_failed', true],
    ['order.*', 'product.created', false],
    ['*.created', 'product.created', true],
    ['order.#', 'order.paid', true],
    ['#.paid', 'order.paid', true],
    ['order', 'order.paid', false],
    ['*', 'order.paid', false],
    ['user.registered', 'user.registered', true],
  ])('topic pattern %s on %s → %s', (pattern, key, expected) => {
    expect(topicMatches(pattern, key)).toBe(expected);
  });
});
