import { MigrationInterface, QueryRunner } from 'typeorm';

export class StockReservationFences1796300000000 implements MigrationInterface {
  name = 'StockReservationFences1796300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE `stock_reservation_fences` (`order_id` varchar(36) NOT NULL, `run_id` varchar(64) NOT NULL, `state` varchar(16) NOT NULL, `created_at` datetime(3) NOT NULL, `updated_at` datetime(3) NOT NULL, PRIMARY KEY (`order_id`, `run_id`)) ENGINE=InnoDB',
    );
    await queryRunner.query('ALTER TABLE `stock_reservations` ADD `run_id` varchar(64) NULL');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE `stock_reservations` DROP COLUMN `run_id`');
    await queryRunner.query('DROP TABLE `stock_reservation_fences`');
  }
}
