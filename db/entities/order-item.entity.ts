import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { bigintToNumber, uuidColumn } from './columns';
import type { OrderEntity } from './order.entity';

/** A priced order line: name and unit price are copied at order time and never change. */
@Entity({ name: 'order_items' })
export class OrderItemEntity {
  @PrimaryColumn({ name: 'order_id', ...uuidColumn })
  orderId: string;

  @PrimaryColumn({ name: 'product_id', ...uuidColumn })
  productId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ name: 'unit_price_cents', type: 'bigint', transformer: bigintToNumber })
  unitPriceCents: number;

  @Column({ type: 'int' })
  quantity: number;

  @ManyToOne('OrderEntity', 'items', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id' })
  order: OrderEntity;
}
