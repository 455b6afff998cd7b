// The source of the shop_orders_in_status gauge (common/metrics.ts): one GROUP BY on the
// indexed status column of the order read model, every known status reported (0 when none).
// Run by the orders worker pool at scrape time; reads may go to a replica (a gauge tolerates lag).
import type { DataSource } from 'typeorm';
import type { OrderStatusSource } from '../../common/metrics';
import { OrderEntity } from '../../db/entities';
import { ORDER_STATUSES } from '../../workflows/orders/contract';

export function orderStatusCounts(dataSource: DataSource): OrderStatusSource {
  return async () => {
    const rows = await dataSource
      .getRepository(OrderEntity)
      .createQueryBuilder('o')
      .select('o.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .groupBy('o.status')
      .getRawMany<{ status: string; n: string | number }>();
    const counts: Record<string, number> = Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0]));
    for (const r of rows) counts[r.status] = Number(r.n);
    return counts;
  };
}
