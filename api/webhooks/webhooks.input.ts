// Request validation of the /api/webhooks routes. `events` are names from the event catalogue
// (workflows/shared/events.ts), de-duplicated and kept in catalogue order; the URL's form (http or
// https, no credentials) is checked here (400), where it resolves to by the target guard (422).
import { WEBHOOK_LIMITS } from '../../workflows/notifications/contract';
import { SHOP_EVENT_NAMES, type ShopEventName } from '../../workflows/shared/events';
import { z } from '../openapi/zod-openapi';
import { uuid } from '../shared/id-params';
import { pageQueryFields } from '../shared/page-query';

const noControlChars = (s: string) => ![...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);

const url = z
  .string()
  .trim()
  .min(1)
  .max(WEBHOOK_LIMITS.urlMax)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL without credentials')
  .openapi({
    format: 'uri',
    description:
      'http or https. Refused with 422 WEBHOOK_TARGET_REFUSED when its host resolves to a loopback, private, link-local, unique-local or metadata address (unless WEBHOOK_ALLOW_PRIVATE_TARGETS=true); checked again at every delivery. Redirects are not followed.',
    example: 'https://erp.example.com/hooks/shop',
  });

const eventName = z.enum(SHOP_EVENT_NAMES);
const catalogueOrder = (names: ShopEventName[]) => SHOP_EVENT_NAMES.filter((n) => names.includes(n));

const events = z
  .array(eventName)
  .min(1)
  .max(SHOP_EVENT_NAMES.length * 2)
  .transform(catalogueOrder)
  .openapi({
    description: 'Event names from the catalogue (docs/events.md) this endpoint receives; duplicates are ignored',
    example: ['order.paid', 'order.shipped'],
  });

const description = z
  .string()
  .trim()
  .max(WEBHOOK_LIMITS.descriptionMax)
  .refine(noControlChars, 'must not contain control characters');

export const createWebhookSchema = z
  .object({
    url,
    events,
    description: description.optional().openapi({ description: 'Free text for the admins; no control characters' }),
  })
  .openapi('CreateWebhookRequest', { description: 'Unknown fields are ignored.' });

export const updateWebhookSchema = z
  .object({
    url,
    events: events.openapi({ description: 'Replaces the list of events' }),
    description: description.nullable().openapi({ description: 'null clears it' }),
    enabled: z.boolean().openapi({
      description:
        'false stops deliveries (running ones end at their next attempt); true re-enables an endpoint the shop disabled',
    }),
  })
  .partial()
  .refine(
    (p) => Object.values(p).some((v) => v !== undefined),
    'give at least one of url, events, description, enabled',
  )
  .openapi('UpdateWebhookRequest', {
    description: 'Any non-empty subset of the fields; unknown fields are ignored.',
    minProperties: 1,
  });

export { LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX } from '../shared/page-query';

export const listQuery = z.object({
  ...pageQueryFields,
});

export const deliveryParams = z.object({ id: uuid, deliveryId: uuid });
