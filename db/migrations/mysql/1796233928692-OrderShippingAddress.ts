import { MigrationInterface, QueryRunner } from 'typeorm';

export class OrderShippingAddress1796233928692 implements MigrationInterface {
  name = 'OrderShippingAddress1796233928692';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE `order_shipping_addresses` (`order_id` varchar(36) NOT NULL, `name` varchar(100) NOT NULL, `line1` varchar(200) NOT NULL, `line2` varchar(200) NULL, `city` varchar(100) NOT NULL, `postal_code` varchar(20) NOT NULL, `region` varchar(100) NULL, `country` varchar(2) NOT NULL, `phone` varchar(32) NULL, `created_at` datetime(3) NOT NULL, PRIMARY KEY (`order_id`)) ENGINE=InnoDB',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE `order_shipping_addresses`');
  }
}
