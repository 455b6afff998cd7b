import { MigrationInterface, QueryRunner } from 'typeorm';

export class AccountTokenVersion1796198759693 implements MigrationInterface {
  name = 'AccountTokenVersion1796198759693';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE `users` ADD `token_version` int NOT NULL DEFAULT '0'");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE `users` DROP COLUMN `token_version`');
  }
}
