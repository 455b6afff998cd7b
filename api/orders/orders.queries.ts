// The orders read path: the order rows the placeOrder workflow writes on every transition.
// Reads go to a replica when replicas are configured; a single order missing there (just
// placed, replica lagging) is read again from the primary, so a client following the
// Location of a 201 always finds its order.
import { Brackets, type DataSource, type EntityManager, In } from 'typeorm';
import { OrderEntity, OrderItemEntity } from '../../db/entities';
import { onPrimary, onReplica } from '../../db/replication';
import type { OrderStatus } from '../../workflows/orders/contract';
import { badRequest } from '../problem';
import { type ListCursor, decodeCursor as decodeKeysetCursor, encodeCursor } from '../shared/keyset-cursor';

const findOne = (em: EntityManager, id: string) =>
  em.getRepository(OrderEntity).findOne({ where: { id }, relations: { items: true } });

/** One order with its items: replica first, then the primary when it is not there (yet). */
export async function findOrder(
  ds: DataSource,
  id: string,
  opts: { primary?: boolean } = {},
): Promise<OrderEntity | null> {
  if (!opts.primary) {
    const row = await onReplica(ds, (em) => findOne(em, id));
    if (row) return row;
  }
  return onPrimary(ds, (em) => findOne(em, id));
}

/** What a customer holds in PENDING orders (read on the primary: it gates a new order). */
export async function openOrderLoad(ds: DataSource, userId: string): Promise<{ orders: number; units: number }> {
  return onPrimary(ds, async (em) => {
    const row = await em
      .getRepository(OrderEntity)
      .createQueryBuilder('o')
      .leftJoin('o.items', 'i')
      .select('COUNT(DISTINCT o.id)', 'orders')
      .addSelect('COALESCE(SUM(i.quantity), 0)', 'units')
      .where('o.userId = :userId AND o.status = :status', { userId, status: 'PENDING' })
      .getRawOne<{ orders: string | number; units: string | number }>();
    return { orders: Number(row?.orders ?? 0), units: Number(row?.units ?? 0) };
  });
}

/** The page cursor of a list request; a string that is not one of ours is a 400. */
export function decodeCursor(raw: string): ListCursor {
  const cursor = decodeKeysetCursor(raw);
  if (!cursor) throw badRequest('cursor is not a valid page cursor (use nextCursor from a previous page)');
  return cursor;
}

export interface ListOrdersQuery {
  limit: number;
  cursor?: string;
  userId?: string;
  status?: OrderStatus;
}

/**
 * Newest first, keyset-paginated on (createdAt, id): stable under concurrent inserts (a new
 * order sorts before the first page, never shifting later pages) and index-backed
 * (idx_orders_user_listing, idx_orders_listing).
 */
export async function listOrders(
  ds: DataSource,
  q: ListOrdersQuery,
): Promise<{ rows: OrderEntity[]; nextCursor: string | null }> {
  const after = q.cursor ? decodeCursor(q.cursor) : undefined;
  return onReplica(ds, async (em) => {
    const qb = em.getRepository(OrderEntity).createQueryBuilder('o');
    if (q.userId) qb.andWhere('o.user_id = :userId', { userId: q.userId });
    if (q.status) qb.andWhere('o.status = :status', { status: q.status });
    if (after) {
      qb.andWhere(
        new Brackets((w) => {
          w.where('o.created_at < :afterCreatedAt', { afterCreatedAt: after.createdAt }).orWhere(
            'o.created_at = :afterCreatedAt AND o.id < :afterId',
            { afterId: after.id },
          );
        }),
      );
    }
    const rows = await qb
      .orderBy('o.created_at', 'DESC')
      .addOrderBy('o.id', 'DESC')
      .take(q.limit + 1)
      .getMany();
    const page = rows.slice(0, q.limit);
    if (page.length) {
      const items = await em.getRepository(OrderItemEntity).findBy({ orderId: In(page.map((o) => o.id)) });
      const byOrder = new Map<string, OrderItemEntity[]>();
      for (const item of items) byOrder.set(item.orderId, [...(byOrder.get(item.orderId) ?? []), item]);
      for (const o of page) o.items = byOrder.get(o.id) ?? [];
    }
    const last = page[page.length - 1];
    return {
      rows: page,
      nextCursor: rows.length > q.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
  });
}
