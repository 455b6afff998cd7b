// The webhooks read path: endpoints (with their events) and their deliveries, newest first, by
// keyset. On the primary: an admin reads what they have just written, and the delivery rows are
// written by the workers moments before.
import { In, type DataSource, type EntityManager, type SelectQueryBuilder, type ObjectLiteral } from 'typeorm';
import { WebhookDeliveryEntity, WebhookEndpointEntity, WebhookSubscriptionEntity } from '../../db/entities';
import { onPrimary } from '../../db/replication';
import { SHOP_EVENT_NAMES, type ShopEventName } from '../../workflows/shared/events';
import { encodeCursor, type ListCursor } from '../shared/keyset-cursor';
import type { WebhookDeliveryView, WebhookView } from './webhooks.output';

export function toWebhookView(e: WebhookEndpointEntity, events: string[]): WebhookView {
  return {
    id: e.id,
    url: e.url,
    events: SHOP_EVENT_NAMES.filter((n) => events.includes(n)),
    description: e.description,
    enabled: Boolean(e.enabled),
    disabledReason: e.enabled ? null : (e.disabledReason ?? 'ADMIN'),
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

export function toDeliveryView(d: WebhookDeliveryEntity): WebhookDeliveryView {
  return {
    id: d.id,
    endpointId: d.endpointId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    lastResponseExcerpt: d.lastResponseExcerpt,
    lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

export async function eventsOf(em: EntityManager, endpointIds: string[]): Promise<Map<string, ShopEventName[]>> {
  const out = new Map<string, ShopEventName[]>(endpointIds.map((id) => [id, []]));
  if (!endpointIds.length) return out;
  const rows = await em.getRepository(WebhookSubscriptionEntity).findBy({ endpointId: In(endpointIds) });
  for (const r of rows) out.get(r.endpointId)?.push(r.eventName as ShopEventName);
  return out;
}

export const findEndpointRow = (ds: DataSource, id: string): Promise<WebhookEndpointEntity | null> =>
  onPrimary(ds, (em) => em.getRepository(WebhookEndpointEntity).findOneBy({ id }));

export async function findWebhook(ds: DataSource, id: string): Promise<WebhookView | null> {
  return onPrimary(ds, async (em) => {
    const row = await em.getRepository(WebhookEndpointEntity).findOneBy({ id });
    return row ? toWebhookView(row, (await eventsOf(em, [id])).get(id) ?? []) : null;
  });
}

/** (createdAt, id) descending, strictly after the cursor; one more than a page to detect the end. */
function keyset<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, alias: string, after?: ListCursor) {
  if (after)
    qb.andWhere(
      `${alias}.createdAt <= :afterCreatedAt AND (${alias}.createdAt < :afterCreatedAt OR ${alias}.id < :afterId)`,
      { afterCreatedAt: after.createdAt, afterId: after.id },
    );
  return qb.orderBy(`${alias}.createdAt`, 'DESC').addOrderBy(`${alias}.id`, 'DESC');
}

function page<T extends { createdAt: Date; id: string }>(rows: T[], limit: number) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

export async function listWebhooks(ds: DataSource, params: { limit: number; after?: ListCursor }) {
  return onPrimary(ds, async (em) => {
    const qb = em.getRepository(WebhookEndpointEntity).createQueryBuilder('e').where('1 = 1');
    const rows = await keyset(qb, 'e', params.after)
      .limit(params.limit + 1)
      .getMany();
    const { items, nextCursor } = page(rows, params.limit);
    const events = await eventsOf(
      em,
      items.map((e) => e.id),
    );
    return { items: items.map((e) => toWebhookView(e, events.get(e.id) ?? [])), nextCursor };
  });
}

export async function listDeliveries(
  ds: DataSource,
  endpointId: string,
  params: { limit: number; after?: ListCursor },
) {
  return onPrimary(ds, async (em) => {
    const qb = em.getRepository(WebhookDeliveryEntity).createQueryBuilder('d').where('d.endpointId = :endpointId', {
      endpointId,
    });
    const rows = await keyset(qb, 'd', params.after)
      .limit(params.limit + 1)
      .getMany();
    const { items, nextCursor } = page(rows, params.limit);
    return { items: items.map(toDeliveryView), nextCursor };
  });
}

export const findDelivery = (ds: DataSource, endpointId: string, deliveryId: string) =>
  onPrimary(ds, (em) => em.getRepository(WebhookDeliveryEntity).findOneBy({ id: deliveryId, endpointId }));
