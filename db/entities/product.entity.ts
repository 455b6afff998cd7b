import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintToNumber, timestampColumn, uuidColumn } from './columns';

@Entity({ name: 'products' })
@Check('chk_products_stock_nonnegative', 'stock >= 0')
@Index('idx_products_listing', ['createdAt', 'id'])
export class ProductEntity {
  @PrimaryColumn({ ...uuidColumn })
  id: string;

  @Column({ type: 'varchar', length: 64, unique: true })
  sku: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'text' })
  description: string;

  @Column({ name: 'price_cents', type: 'bigint', transformer: bigintToNumber })
  priceCents: number;

  @Column({ type: 'varchar', length: 3 })
  currency: string;

  /** Guarded by a CHECK (stock >= 0) and by conditional UPDATEs in the reservation activity. */
  @Column({ type: 'int' })
  stock: number;

  @Column({ name: 'created_at', ...timestampColumn })
  createdAt: Date;

  @Column({ name: 'updated_at', ...timestampColumn })
  updatedAt: Date;

  /**
   * The product's write counter: 1 at creation, +1 in the same statement as each update and the
   * delete (never for stock reservations and releases). It is the `sequence` of the product's
   * integration events, so that sequence is monotonic per product across write workflows.
   */
  @Column({ type: 'int', default: 1 })
  version: number;

  /** The write (productWriteKey) that last bumped `version`: a retried attempt of it does not bump again. */
  @Column({ name: 'last_write_id', type: 'varchar', length: 128, nullable: true })
  lastWriteId: string | null;

  /** Soft delete: orders keep their lines' name and price, the catalog hides the row. */
  @Column({ name: 'deleted_at', ...timestampColumn, nullable: true })
  deletedAt: Date | null;
}
