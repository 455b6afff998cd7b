import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1795533272809 implements MigrationInterface {
  name = 'InitialSchema1795533272809';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "email_messages" ("message_key" varchar(191) PRIMARY KEY NOT NULL, "template" varchar(32) NOT NULL, "user_id" varchar(36) NOT NULL, "status" varchar(16) NOT NULL, "attempts" integer NOT NULL DEFAULT (0), "message_id" varchar(255), "created_at" datetime(3) NOT NULL, "sent_at" datetime(3))',
    );
    await queryRunner.query(
      'CREATE TABLE "order_items" ("order_id" varchar(36) NOT NULL, "product_id" varchar(36) NOT NULL, "name" varchar(200) NOT NULL, "unit_price_cents" bigint NOT NULL, "quantity" integer NOT NULL, PRIMARY KEY ("order_id", "product_id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "orders" ("id" varchar(36) PRIMARY KEY NOT NULL, "user_id" varchar(36) NOT NULL, "status" varchar(16) NOT NULL, "total_cents" bigint NOT NULL, "currency" varchar(3) NOT NULL, "payment_method" varchar(64) NOT NULL, "payment_status" varchar(16), "charge_id" varchar(64), "refund_id" varchar(64), "failure_reason" varchar(64), "request_hash" varchar(64), "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL)',
    );
    await queryRunner.query('CREATE INDEX "idx_orders_status" ON "orders" ("status") ');
    await queryRunner.query('CREATE INDEX "idx_orders_listing" ON "orders" ("created_at", "id") ');
    await queryRunner.query('CREATE INDEX "idx_orders_user_listing" ON "orders" ("user_id", "created_at", "id") ');
    await queryRunner.query(
      'CREATE TABLE "payments" ("id" varchar(64) PRIMARY KEY NOT NULL, "idempotency_key" varchar(128) NOT NULL, "order_id" varchar(36) NOT NULL, "kind" varchar(8) NOT NULL, "outcome" varchar(16) NOT NULL, "amount_cents" bigint NOT NULL, "currency" varchar(3) NOT NULL, "payment_method" varchar(64) NOT NULL, "decline_code" varchar(64), "created_at" datetime(3) NOT NULL, CONSTRAINT "UQ_59dcef70bd19850783c84f840e5" UNIQUE ("idempotency_key"))',
    );
    await queryRunner.query('CREATE INDEX "idx_payments_order" ON "payments" ("order_id") ');
    await queryRunner.query(
      'CREATE TABLE "products" ("id" varchar(36) PRIMARY KEY NOT NULL, "sku" varchar(64) NOT NULL, "name" varchar(200) NOT NULL, "description" text NOT NULL, "price_cents" bigint NOT NULL, "currency" varchar(3) NOT NULL, "stock" integer NOT NULL, "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL, "deleted_at" datetime(3), CONSTRAINT "UQ_c44ac33a05b144dd0d9ddcf9327" UNIQUE ("sku"), CONSTRAINT "chk_products_stock_nonnegative" CHECK (stock >= 0))',
    );
    await queryRunner.query('CREATE INDEX "idx_products_listing" ON "products" ("created_at", "id") ');
    await queryRunner.query(
      'CREATE TABLE "stock_reservations" ("order_id" varchar(36) NOT NULL, "product_id" varchar(36) NOT NULL, "quantity" integer NOT NULL, "status" varchar(16) NOT NULL, "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL, PRIMARY KEY ("order_id", "product_id"))',
    );
    await queryRunner.query('CREATE INDEX "idx_stock_reservations_product" ON "stock_reservations" ("product_id") ');
    await queryRunner.query(
      'CREATE TABLE "users" ("id" varchar(36) PRIMARY KEY NOT NULL, "email" varchar(254) NOT NULL, "name" varchar(100) NOT NULL, "password_hash" varchar(60) NOT NULL, "role" varchar(16) NOT NULL DEFAULT (\'customer\'), "created_at" datetime(3) NOT NULL, "deleted_at" datetime(3), CONSTRAINT "UQ_97672ac88f789774dd47f7c8be3" UNIQUE ("email"))',
    );
    await queryRunner.query(
      'CREATE TABLE "temporary_order_items" ("order_id" varchar(36) NOT NULL, "product_id" varchar(36) NOT NULL, "name" varchar(200) NOT NULL, "unit_price_cents" bigint NOT NULL, "quantity" integer NOT NULL, CONSTRAINT "FK_145532db85752b29c57d2b7b1f1" FOREIGN KEY ("order_id") REFERENCES "orders" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("order_id", "product_id"))',
    );
    await queryRunner.query(
      'INSERT INTO "temporary_order_items"("order_id", "product_id", "name", "unit_price_cents", "quantity") SELECT "order_id", "product_id", "name", "unit_price_cents", "quantity" FROM "order_items"',
    );
    await queryRunner.query('DROP TABLE "order_items"');
    await queryRunner.query('ALTER TABLE "temporary_order_items" RENAME TO "order_items"');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "order_items" RENAME TO "temporary_order_items"');
    await queryRunner.query(
      'CREATE TABLE "order_items" ("order_id" varchar(36) NOT NULL, "product_id" varchar(36) NOT NULL, "name" varchar(200) NOT NULL, "unit_price_cents" bigint NOT NULL, "quantity" integer NOT NULL, PRIMARY KEY ("order_id", "product_id"))',
    );
    await queryRunner.query(
      'INSERT INTO "order_items"("order_id", "product_id", "name", "unit_price_cents", "quantity") SELECT "order_id", "product_id", "name", "unit_price_cents", "quantity" FROM "temporary_order_items"',
    );
    await queryRunner.query('DROP TABLE "temporary_order_items"');
    await queryRunner.query('DROP TABLE "users"');
    await queryRunner.query('DROP INDEX "idx_stock_reservations_product"');
    await queryRunner.query('DROP TABLE "stock_reservations"');
    await queryRunner.query('DROP INDEX "idx_products_listing"');
    await queryRunner.query('DROP TABLE "products"');
    await queryRunner.query('DROP INDEX "idx_payments_order"');
    await queryRunner.query('DROP TABLE "payments"');
    await queryRunner.query('DROP INDEX "idx_orders_user_listing"');
    await queryRunner.query('DROP INDEX "idx_orders_listing"');
    await queryRunner.query('DROP INDEX "idx_orders_status"');
    await queryRunner.query('DROP TABLE "orders"');
    await queryRunner.query('DROP TABLE "order_items"');
    await queryRunner.query('DROP TABLE "email_messages"');
  }
}
