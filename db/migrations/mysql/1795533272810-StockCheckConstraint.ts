import { MigrationInterface, QueryRunner } from 'typeorm';

// TypeORM does not emit CHECK constraints for MySQL; MariaDB >= 10.2 and MySQL >= 8.0.16
// enforce them, and the stock guard is the database's last word against overselling.
export class StockCheckConstraint1795533272810 implements MigrationInterface {
  name = 'StockCheckConstraint1795533272810';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE `products` ADD CONSTRAINT `chk_products_stock_nonnegative` CHECK (`stock` >= 0)',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE `products` DROP CONSTRAINT `chk_products_stock_nonnegative`');
  }
}
