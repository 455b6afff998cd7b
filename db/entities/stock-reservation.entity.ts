import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { timestampColumn, uuidColumn } from './columns';

export type ReservationStatus = 'RESERVED' | 'RELEASED';

/**
 * The reservation ledger: one row per (order, product), so reserve/release are idempotent. The
 * row names the workflow run that holds it: a later run of the same order (after an intake that
 * failed and released everything) takes released rows over instead of mistaking them for its own.
 */
@Entity({ name: 'stock_reservations' })
@Index('idx_stock_reservations_product', ['productId'])
export class StockReservationEntity {
  @PrimaryColumn({ name: 'order_id', ...uuidColumn })
  orderId: string;

  @PrimaryColumn({ name: 'product_id', ...uuidColumn })
  productId: string;

  @Column({ type: 'int' })
  quantity: number;

  @Column({ type: 'varchar', length: 16 })
  status: ReservationStatus;

  /** Null for rows written before runs were recorded. */
  @Column({ name: 'run_id', type: 'varchar', length: 64, nullable: true })
  runId: string | null;

  @Column({ name: 'created_at', ...timestampColumn })
  createdAt: Date;

  @Column({ name: 'updated_at', ...timestampColumn })
  updatedAt: Date;
}
