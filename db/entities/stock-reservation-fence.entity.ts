import { Column, Entity, PrimaryColumn } from 'typeorm';
import { timestampColumn, uuidColumn } from './columns';

export type ReservationFenceState = 'OPEN' | 'CLOSED';

/**
 * One row per (order, workflow run) that reserves stock. A reservation attempt and the run's
 * release both lock it first, so they serialise: once the release has CLOSED it, an attempt that
 * timed out but was still waiting on the database can no longer commit units nobody will release.
 */
@Entity({ name: 'stock_reservation_fences' })
export class StockReservationFenceEntity {
  @PrimaryColumn({ name: 'order_id', ...uuidColumn })
  orderId: string;

  @PrimaryColumn({ name: 'run_id', type: 'varchar', length: 64 })
  runId: string;

  @Column({ type: 'varchar', length: 16 })
  state: ReservationFenceState;

  @Column({ name: 'created_at', ...timestampColumn })
  createdAt: Date;

  @Column({ name: 'updated_at', ...timestampColumn })
  updatedAt: Date;
}
