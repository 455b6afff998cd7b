import { MigrationInterface, QueryRunner } from 'typeorm';

export class StockAdjustments1796400000000 implements MigrationInterface {
  name = 'StockAdjustments1796400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE `stock_adjustments` (`product_id` varchar(36) NOT NULL, `write_id` varchar(128) NOT NULL, `delta` int NOT NULL, `patch_hash` varchar(64) NOT NULL, `created_at` datetime(3) NOT NULL, PRIMARY KEY (`product_id`, `write_id`)) ENGINE=InnoDB',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE `stock_adjustments`');
  }
}
