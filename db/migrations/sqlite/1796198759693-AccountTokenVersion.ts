import { MigrationInterface, QueryRunner } from 'typeorm';

export class AccountTokenVersion1796198759693 implements MigrationInterface {
  name = 'AccountTokenVersion1796198759693';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "temporary_users" ("id" varchar(36) PRIMARY KEY NOT NULL, "email" varchar(254) NOT NULL, "name" varchar(100) NOT NULL, "password_hash" varchar(60) NOT NULL, "role" varchar(16) NOT NULL DEFAULT (\'customer\'), "created_at" datetime(3) NOT NULL, "deleted_at" datetime(3), "token_version" integer NOT NULL DEFAULT (0), CONSTRAINT "UQ_97672ac88f789774dd47f7c8be3" UNIQUE ("email"))',
    );
    await queryRunner.query(
      'INSERT INTO "temporary_users"("id", "email", "name", "password_hash", "role", "created_at", "deleted_at") SELECT "id", "email", "name", "password_hash", "role", "created_at", "deleted_at" FROM "users"',
    );
    await queryRunner.query('DROP TABLE "users"');
    await queryRunner.query('ALTER TABLE "temporary_users" RENAME TO "users"');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "users" RENAME TO "temporary_users"');
    await queryRunner.query(
      'CREATE TABLE "users" ("id" varchar(36) PRIMARY KEY NOT NULL, "email" varchar(254) NOT NULL, "name" varchar(100) NOT NULL, "password_hash" varchar(60) NOT NULL, "role" varchar(16) NOT NULL DEFAULT (\'customer\'), "created_at" datetime(3) NOT NULL, "deleted_at" datetime(3), CONSTRAINT "UQ_97672ac88f789774dd47f7c8be3" UNIQUE ("email"))',
    );
    await queryRunner.query(
      'INSERT INTO "users"("id", "email", "name", "password_hash", "role", "created_at", "deleted_at") SELECT "id", "email", "name", "password_hash", "role", "created_at", "deleted_at" FROM "temporary_users"',
    );
    await queryRunner.query('DROP TABLE "temporary_users"');
  }
}
