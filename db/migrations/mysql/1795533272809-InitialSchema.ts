import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1795533272809 implements MigrationInterface {
  name = 'InitialSchema1795533272809';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      "CREATE TABLE `email_messages` (`message_key` varchar(191) NOT NULL, `template` varchar(32) NOT NULL, `user_id` varchar(36) NOT NULL, `status` varchar(16) NOT NULL, `attempts` int NOT NULL DEFAULT '0', `message_id` varchar(255) NULL, `created_at` datetime(3) NOT NULL, `sent_at` datetime(3) NULL, PRIMARY KEY (`message_key`)) ENGINE=InnoDB",
    );
    await queryRunner.query(
      'CREATE TABLE `order_items` (`order_id` varchar(36) NOT NULL, `product_id` varchar(36) NOT NULL, `name` varchar(200) NOT NULL, `unit_price_cents` bigint NOT NULL, `quantity` int NOT NULL, PRIMARY KEY (`order_id`, `product_id`)) ENGINE=InnoDB',
    );
    await queryRunner.query(
      'CREATE TABLE `orders` (`id` varchar(36) NOT NULL, `user_id` varchar(36) NOT NULL, `status` varchar(16) NOT NULL, `total_cents` bigint NOT NULL, `currency` varchar(3) NOT NULL, `payment_method` varchar(64) NOT NULL, `payment_status` varchar(16) NULL, `charge_id` varchar(64) NULL, `refund_id` varchar(64) NULL, `failure_reason` varchar(64) NULL, `request_hash` varchar(64) NULL, `created_at` datetime(3) NOT NULL, `updated_at` datetime(3) NOT NULL, INDEX `idx_orders_status` (`status`), INDEX `idx_orders_listing` (`created_at`, `id`), INDEX `idx_orders_user_listing` (`user_id`, `created_at`, `id`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
    );
    await queryRunner.query(
      'CREATE TABLE `payments` (`id` varchar(64) NOT NULL, `idempotency_key` varchar(128) NOT NULL, `order_id` varchar(36) NOT NULL, `kind` varchar(8) NOT NULL, `outcome` varchar(16) NOT NULL, `amount_cents` bigint NOT NULL, `currency` varchar(3) NOT NULL, `payment_method` varchar(64) NOT NULL, `decline_code` varchar(64) NULL, `created_at` datetime(3) NOT NULL, INDEX `idx_payments_order` (`order_id`), UNIQUE INDEX `IDX_59dcef70bd19850783c84f840e` (`idempotency_key`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
    );
    await queryRunner.query(
      'CREATE TABLE `products` (`id` varchar(36) NOT NULL, `sku` varchar(64) NOT NULL, `name` varchar(200) NOT NULL, `description` text NOT NULL, `price_cents` bigint NOT NULL, `currency` varchar(3) NOT NULL, `stock` int NOT NULL, `created_at` datetime(3) NOT NULL, `updated_at` datetime(3) NOT NULL, `deleted_at` datetime(3) NULL, INDEX `idx_products_listing` (`created_at`, `id`), UNIQUE INDEX `IDX_c44ac33a05b144dd0d9ddcf932` (`sku`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
    );
    await queryRunner.query(
      'CREATE TABLE `stock_reservations` (`order_id` varchar(36) NOT NULL, `product_id` varchar(36) NOT NULL, `quantity` int NOT NULL, `status` varchar(16) NOT NULL, `created_at` datetime(3) NOT NULL, `updated_at` datetime(3) NOT NULL, INDEX `idx_stock_reservations_product` (`product_id`), PRIMARY KEY (`order_id`, `product_id`)) ENGINE=InnoDB',
    );
    await queryRunner.query(
      "CREATE TABLE `users` (`id` varchar(36) NOT NULL, `email` varchar(254) NOT NULL, `name` varchar(100) NOT NULL, `password_hash` varchar(60) NOT NULL, `role` varchar(16) NOT NULL DEFAULT 'customer', `created_at` datetime(3) NOT NULL, `deleted_at` datetime(3) NULL, UNIQUE INDEX `IDX_97672ac88f789774dd47f7c8be` (`email`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
    );
    await queryRunner.query(
      'ALTER TABLE `order_items` ADD CONSTRAINT `FK_145532db85752b29c57d2b7b1f1` FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE `order_items` DROP FOREIGN KEY `FK_145532db85752b29c57d2b7b1f1`');
    await queryRunner.query('DROP INDEX `IDX_97672ac88f789774dd47f7c8be` ON `users`');
    await queryRunner.query('DROP TABLE `users`');
    await queryRunner.query('DROP INDEX `idx_stock_reservations_product` ON `stock_reservations`');
    await queryRunner.query('DROP TABLE `stock_reservations`');
    await queryRunner.query('DROP INDEX `IDX_c44ac33a05b144dd0d9ddcf932` ON `products`');
    await queryRunner.query('DROP INDEX `idx_products_listing` ON `products`');
    await queryRunner.query('DROP TABLE `products`');
    await queryRunner.query('DROP INDEX `IDX_59dcef70bd19850783c84f840e` ON `payments`');
    await queryRunner.query('DROP INDEX `idx_payments_order` ON `payments`');
    await queryRunner.query('DROP TABLE `payments`');
    await queryRunner.query('DROP INDEX `idx_orders_user_listing` ON `orders`');
    await queryRunner.query('DROP INDEX `idx_orders_listing` ON `orders`');
    await queryRunner.query('DROP INDEX `idx_orders_status` ON `orders`');
    await queryRunner.query('DROP TABLE `orders`');
    await queryRunner.query('DROP TABLE `order_items`');
    await queryRunner.query('DROP TABLE `email_messages`');
  }
}
