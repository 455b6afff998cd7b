import { MigrationInterface, QueryRunner } from 'typeorm';

export class ProductVersion1796500000000 implements MigrationInterface {
  name = 'ProductVersion1796500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE `products` ADD `version` int NOT NULL DEFAULT '1'");
    await queryRunner.query('ALTER TABLE `products` ADD `last_write_id` varchar(128) NULL');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE `products` DROP COLUMN `last_write_id`');
    await queryRunner.query('ALTER TABLE `products` DROP COLUMN `version`');
  }
}
