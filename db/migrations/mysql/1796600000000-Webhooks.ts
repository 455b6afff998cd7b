import { MigrationInterface, QueryRunner } from 'typeorm';

/** Webhook endpoints, the events each receives, and their deliveries (docs/events.md#webhooks). */
export class Webhooks1796600000000 implements MigrationInterface {
  name = 'Webhooks1796600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE `webhook_endpoints` (`id` varchar(36) NOT NULL, `url` varchar(2048) NOT NULL, `description` varchar(500) NULL, `secret` varchar(128) NOT NULL, `enabled` tinyint NOT NULL, `disabled_reason` varchar(16) NULL, `created_by` varchar(36) NOT NULL, `created_at` datetime(3) NOT NULL, `updated_at` datetime(3) NOT NULL, INDEX `idx_webhook_endpoints_listing` (`created_at`, `id`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
    );
    await queryRunner.query(
      'CREATE TABLE `webhook_subscriptions` (`endpoint_id` varchar(36) NOT NULL, `event_name` varchar(64) NOT NULL, INDEX `idx_webhook_subscriptions_event` (`event_name`), PRIMARY KEY (`endpoint_id`, `event_name`)) ENGINE=InnoDB',
    );
    await queryRunner.query(
      "CREATE TABLE `webhook_deliveries` (`id` varchar(36) NOT NULL, `endpoint_id` varchar(36) NOT NULL, `event_id` varchar(36) NOT NULL, `event_type` varchar(64) NOT NULL, `payload` text NOT NULL, `status` varchar(16) NOT NULL, `attempts` int NOT NULL DEFAULT '0', `runs` int NOT NULL DEFAULT '1', `last_status_code` int NULL, `last_error` varchar(255) NULL, `last_response_excerpt` varchar(512) NULL, `last_attempt_at` datetime(3) NULL, `next_attempt_at` datetime(3) NULL, `created_at` datetime(3) NOT NULL, `updated_at` datetime(3) NOT NULL, UNIQUE INDEX `uq_webhook_deliveries_event` (`endpoint_id`, `event_id`), INDEX `idx_webhook_deliveries_listing` (`endpoint_id`, `created_at`, `id`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE `webhook_deliveries`');
    await queryRunner.query('DROP TABLE `webhook_subscriptions`');
    await queryRunner.query('DROP TABLE `webhook_endpoints`');
  }
}
