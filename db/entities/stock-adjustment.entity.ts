import { Column, Entity, PrimaryColumn } from 'typeorm';
import { timestampColumn, uuidColumn } from './columns';

/**
 * One row per relative stock edit (`stockDelta`), keyed by the product and the write that made
 * it. The row is inserted in the edit's own transaction, so an attempt that timed out but
 * committed, or a duplicate delivery, finds it and does not add the units a second time.
 */
@Entity({ name: 'stock_adjustments' })
export class StockAdjustmentEntity {
  @PrimaryColumn({ name: 'product_id', ...uuidColumn })
  productId: string;

  @PrimaryColumn({ name: 'write_id', type: 'varchar', length: 128 })
  writeId: string;

  @Column({ type: 'int' })
  delta: number;

  /** SHA-256 of the whole patch: the same write ID with another patch is another request. */
  @Column({ name: 'patch_hash', type: 'varchar', length: 64 })
  patchHash: string;

  @Column({ name: 'created_at', ...timestampColumn })
  createdAt: Date;
}
