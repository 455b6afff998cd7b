import { Column, Entity, PrimaryColumn } from 'typeorm';
import { timestampColumn, uuidColumn } from './columns';

/**
 * Where an order ships. Written by the gateway before the order's workflow starts and read by the
 * gateway and the e-mail activity by order ID: personal data, so it never travels through a
 * workflow's input or history (only the order ID does).
 */
@Entity({ name: 'order_shipping_addresses' })
export class OrderShippingAddressEntity {
  @PrimaryColumn({ name: 'order_id', ...uuidColumn })
  orderId: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 200 })
  line1: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  line2: string | null;

  @Column({ type: 'varchar', length: 100 })
  city: string;

  @Column({ name: 'postal_code', type: 'varchar', length: 20 })
  postalCode: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  region: string | null;

  /** ISO 3166-1 alpha-2. */
  @Column({ type: 'varchar', length: 2 })
  country: string;

  @Column({ type: 'varchar', length: 32, nullable: true })
  phone: string | null;

  @Column({ name: 'created_at', ...timestampColumn })
  createdAt: Date;
}
