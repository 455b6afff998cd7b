// The orders read path: the order rows the placeOrder workflow writes on every transition.
// Reads go to a replica when replicas are configured; a single order missing there (just
// placed, replica lagging) is read again from the primary, so a client following the
// Location of a 201 always finds its order.
import { Brackets, type DataSource, In, type QueryRunner } from 'typeorm';
import { OrderEntity, OrderItemEntity } from '../../db/entities';
import type { OrderStatus } from '../../workflows/orders/contract';
import { badRequest } from '../problem';

async function withRunner<T>(
  ds: DataSource,
  mode: 'master' | 'slave',
  work: (qr: QueryRunner) => Promise<T>,
): Promise<T> {
  const qr = ds.createQueryRunner(mode);
  try {
    return await work(qr);
  } finally {
    await qr.release();
  }
}

const findOne = (qr: QueryRunner, id: string) =>
  qr.manager.getRepository(OrderEntity).findOne({ where: { id }, relations: { items: true } });

/** One order with its items: replica first, then the primary when it is not there (yet). */
export async function findOrder(
  ds: DataSource,
  id: string,
  opts: { primary?: boolean } = {},
): Promise<OrderEntity | null> {
  if (!opts.primary) {
    const row = await withRunner(ds, 'slave', (qr) => findOne(qr, id));
    if (row) return row;
  }
  return withRunner(ds, 'master', (qr) => findOne(qr, id));
}

export interface OrderCursor {
  createdAt: Date;
  id: string;
}

/** Opaque to clients: base64url of the last row's (createdAt, id). */
export function encodeCursor(c: OrderCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt.toISOString(), c.id])).toString('base64url');
}

export function decodeCursor(cursor: string): OrderCursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(createdAt);
    if (
      typeof createdAt !== 'string' ||
      typeof id !== 'string' ||
      Number.isNaN(date.getTime()) ||
      !/^[0-9a-f-]{36}$/i.test(id)
    )
      throw new Error('bad cursor');
    return { createdAt: date, id };
  } catch {
    throw badRequest('cursor is not a valid page cursor (use nextCursor from a previous page)');
  }
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
  return withRunner(ds, 'slave', async (qr) => {
    const qb = qr.manager.getRepository(OrderEntity).createQueryBuilder('o');
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
      const items = await qr.manager.getRepository(OrderItemEntity).findBy({ orderId: In(page.map((o) => o.id)) });
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
