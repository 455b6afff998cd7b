import { MigrationInterface, QueryRunner } from 'typeorm';

export class ProductVersion1796500000000 implements MigrationInterface {
  name = 'ProductVersion1796500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "idx_products_listing"');
    await queryRunner.query(
      'CREATE TABLE "temporary_products" ("id" varchar(36) PRIMARY KEY NOT NULL, "sku" varchar(64) NOT NULL, "name" varchar(200) NOT NULL, "description" text NOT NULL, "price_cents" bigint NOT NULL, "currency" varchar(3) NOT NULL, "stock" integer NOT NULL, "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL, "deleted_at" datetime(3), "version" integer NOT NULL DEFAULT (1), "last_write_id" varchar(128), CONSTRAINT "UQ_c44ac33a05b144dd0d9ddcf9327" UNIQUE ("sku"), CONSTRAINT "chk_products_stock_nonnegative" CHECK ((stock >= 0)))',
    );
    await queryRunner.query(
      'INSERT INTO "temporary_products"("id", "sku", "name", "description", "price_cents", "currency", "stock", "created_at", "updated_at", "deleted_at") SELECT "id", "sku", "name", "description", "price_cents", "currency", "stock", "created_at", "updated_at", "deleted_at" FROM "products"',
    );
    await queryRunner.query('DROP TABLE "products"');
    await queryRunner.query('ALTER TABLE "temporary_products" RENAME TO "products"');
    await queryRunner.query('CREATE INDEX "idx_products_listing" ON "products" ("created_at", "id") ');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "idx_products_listing"');
    await queryRunner.query('ALTER TABLE "products" RENAME TO "temporary_products"');
    await queryRunner.query(
      'CREATE TABLE "products" ("id" varchar(36) PRIMARY KEY NOT NULL, "sku" varchar(64) NOT NULL, "name" varchar(200) NOT NULL, "description" text NOT NULL, "price_cents" bigint NOT NULL, "currency" varchar(3) NOT NULL, "stock" integer NOT NULL, "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL, "deleted_at" datetime(3), CONSTRAINT "UQ_c44ac33a05b144dd0d9ddcf9327" UNIQUE ("sku"), CONSTRAINT "chk_products_stock_nonnegative" CHECK ((stock >= 0)))',
    );
    await queryRunner.query(
      'INSERT INTO "products"("id", "sku", "name", "description", "price_cents", "currency", "stock", "created_at", "updated_at", "deleted_at") SELECT "id", "sku", "name", "description", "price_cents", "currency", "stock", "created_at", "updated_at", "deleted_at" FROM "temporary_products"',
    );
    await queryRunner.query('DROP TABLE "temporary_products"');
    await queryRunner.query('CREATE INDEX "idx_products_listing" ON "products" ("created_at", "id") ');
  }
}
