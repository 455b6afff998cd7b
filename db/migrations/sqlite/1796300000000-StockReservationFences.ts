import { MigrationInterface, QueryRunner } from 'typeorm';

export class StockReservationFences1796300000000 implements MigrationInterface {
  name = 'StockReservationFences1796300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "stock_reservation_fences" ("order_id" varchar(36) NOT NULL, "run_id" varchar(64) NOT NULL, "state" varchar(16) NOT NULL, "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL, PRIMARY KEY ("order_id", "run_id"))',
    );
    await queryRunner.query('DROP INDEX "idx_stock_reservations_product"');
    await queryRunner.query(
      'CREATE TABLE "temporary_stock_reservations" ("order_id" varchar(36) NOT NULL, "product_id" varchar(36) NOT NULL, "quantity" integer NOT NULL, "status" varchar(16) NOT NULL, "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL, "run_id" varchar(64), PRIMARY KEY ("order_id", "product_id"))',
    );
    await queryRunner.query(
      'INSERT INTO "temporary_stock_reservations"("order_id", "product_id", "quantity", "status", "created_at", "updated_at") SELECT "order_id", "product_id", "quantity", "status", "created_at", "updated_at" FROM "stock_reservations"',
    );
    await queryRunner.query('DROP TABLE "stock_reservations"');
    await queryRunner.query('ALTER TABLE "temporary_stock_reservations" RENAME TO "stock_reservations"');
    await queryRunner.query('CREATE INDEX "idx_stock_reservations_product" ON "stock_reservations" ("product_id") ');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "idx_stock_reservations_product"');
    await queryRunner.query('ALTER TABLE "stock_reservations" RENAME TO "temporary_stock_reservations"');
    await queryRunner.query(
      'CREATE TABLE "stock_reservations" ("order_id" varchar(36) NOT NULL, "product_id" varchar(36) NOT NULL, "quantity" integer NOT NULL, "status" varchar(16) NOT NULL, "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL, PRIMARY KEY ("order_id", "product_id"))',
    );
    await queryRunner.query(
      'INSERT INTO "stock_reservations"("order_id", "product_id", "quantity", "status", "created_at", "updated_at") SELECT "order_id", "product_id", "quantity", "status", "created_at", "updated_at" FROM "temporary_stock_reservations"',
    );
    await queryRunner.query('DROP TABLE "temporary_stock_reservations"');
    await queryRunner.query('CREATE INDEX "idx_stock_reservations_product" ON "stock_reservations" ("product_id") ');
    await queryRunner.query('DROP TABLE "stock_reservation_fences"');
  }
}
