import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintToNumber, timestampColumn, uuidColumn } from './columns';

export type PaymentKind = 'charge' | 'refund';
/** `cancelled`: a charge key closed by a refund call before anything was captured under it. */
export type PaymentOutcome = 'succeeded' | 'declined' | 'cancelled';

/**
 * The sandbox payment provider's ledger. The unique idempotency key (`<orderId>:charge`,
 * `<orderId>:refund`) is what makes "at most one charge and one refund per order" hold.
 */
@Entity({ name: 'payments' })
@Index('idx_payments_order', ['orderId'])
export class PaymentEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 128, unique: true })
  idempotencyKey: string;

  @Column({ name: 'order_id', ...uuidColumn })
  orderId: string;

  @Column({ type: 'varchar', length: 8 })
  kind: PaymentKind;

  @Column({ type: 'varchar', length: 16 })
  outcome: PaymentOutcome;

  @Column({ name: 'amount_cents', type: 'bigint', transformer: bigintToNumber })
  amountCents: number;

  @Column({ type: 'varchar', length: 3 })
  currency: string;

  @Column({ name: 'payment_method', type: 'varchar', length: 64 })
  paymentMethod: string;

  @Column({ name: 'decline_code', type: 'varchar', length: 64, nullable: true })
  declineCode: string | null;

  @Column({ name: 'created_at', ...timestampColumn })
  createdAt: Date;
}
