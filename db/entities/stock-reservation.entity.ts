import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { timestampColumn, uuidColumn } from './columns';

export type ReservationStatus = 'RESERVED' | 'RELEASED';

/** The reservation ledger: one row per (order, product), so reserve/release are idempotent. */
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

  @Column({ name: 'created_at', ...timestampColumn })
  createdAt: Date;

  @Column({ name: 'updated_at', ...timestampColumn })
  updatedAt: Date;
}
