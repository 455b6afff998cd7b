import { Column, Entity, Index, OneToMany, PrimaryColumn } from 'typeorm';
import { bigintToNumber, timestampColumn, uuidColumn } from './columns';
import { OrderItemEntity } from './order-item.entity';

/** The order read model: written by the placeOrder workflow's activities on every transition. */
@Entity({ name: 'orders' })
@Index('idx_orders_user_listing', ['userId', 'createdAt', 'id'])
@Index('idx_orders_listing', ['createdAt', 'id'])
@Index('idx_orders_status', ['status'])
export class OrderEntity {
  @PrimaryColumn({ ...uuidColumn })
  id: string;

  @Column({ name: 'user_id', ...uuidColumn })
  userId: string;

  @Column({ type: 'varchar', length: 16 })
  status: string;

  @Column({ name: 'total_cents', type: 'bigint', transformer: bigintToNumber })
  totalCents: number;

  @Column({ type: 'varchar', length: 3 })
  currency: string;

  @Column({ name: 'payment_method', type: 'varchar', length: 64 })
  paymentMethod: string;

  @Column({ name: 'payment_status', type: 'varchar', length: 16, nullable: true })
  paymentStatus: string | null;

  @Column({ name: 'charge_id', type: 'varchar', length: 64, nullable: true })
  chargeId: string | null;

  @Column({ name: 'refund_id', type: 'varchar', length: 64, nullable: true })
  refundId: string | null;

  @Column({ name: 'failure_reason', type: 'varchar', length: 64, nullable: true })
  failureReason: string | null;

  /** SHA-256 of the canonical request body; set when the client sent an Idempotency-Key. */
  @Column({ name: 'request_hash', type: 'varchar', length: 64, nullable: true })
  requestHash: string | null;

  @Column({ name: 'created_at', ...timestampColumn })
  createdAt: Date;

  @Column({ name: 'updated_at', ...timestampColumn })
  updatedAt: Date;

  @OneToMany(() => OrderItemEntity, (item) => item.order, { cascade: ['insert'] })
  items: OrderItemEntity[];
}
