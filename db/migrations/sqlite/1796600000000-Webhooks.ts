import { MigrationInterface, QueryRunner } from 'typeorm';

/** Webhook endpoints, the events each receives, and their deliveries (docs/events.md#webhooks). */
export class Webhooks1796600000000 implements MigrationInterface {
  name = 'Webhooks1796600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "webhook_endpoints" ("id" varchar(36) PRIMARY KEY NOT NULL, "url" varchar(2048) NOT NULL, "description" varchar(500), "secret" varchar(128) NOT NULL, "enabled" boolean NOT NULL, "disabled_reason" varchar(16), "created_by" varchar(36) NOT NULL, "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL)',
    );
    await queryRunner.query('CREATE INDEX "idx_webhook_endpoints_listing" ON "webhook_endpoints" ("created_at", "id")');
    await queryRunner.query(
      'CREATE TABLE "webhook_subscriptions" ("endpoint_id" varchar(36) NOT NULL, "event_name" varchar(64) NOT NULL, PRIMARY KEY ("endpoint_id", "event_name"))',
    );
    await queryRunner.query('CREATE INDEX "idx_webhook_subscriptions_event" ON "webhook_subscriptions" ("event_name")');
    await queryRunner.query(
      'CREATE TABLE "webhook_deliveries" ("id" varchar(36) PRIMARY KEY NOT NULL, "endpoint_id" varchar(36) NOT NULL, "event_id" varchar(36) NOT NULL, "event_type" varchar(64) NOT NULL, "payload" text NOT NULL, "status" varchar(16) NOT NULL, "attempts" integer NOT NULL DEFAULT (0), "runs" integer NOT NULL DEFAULT (1), "last_status_code" integer, "last_error" varchar(255), "last_response_excerpt" varchar(512), "last_attempt_at" datetime(3), "next_attempt_at" datetime(3), "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL)',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_webhook_deliveries_event" ON "webhook_deliveries" ("endpoint_id", "event_id")',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_webhook_deliveries_listing" ON "webhook_deliveries" ("endpoint_id", "created_at", "id")',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "webhook_deliveries"');
    await queryRunner.query('DROP TABLE "webhook_subscriptions"');
    await queryRunner.query('DROP TABLE "webhook_endpoints"');
  }
}
