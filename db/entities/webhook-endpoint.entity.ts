import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { timestampColumn, uuidColumn } from './columns';

/** Why an endpoint was switched off by the shop itself (null: enabled, or disabled by an admin). */
export type WebhookDisabledReason = 'GONE' | 'FAILING' | 'ADMIN';

/**
 * A registered webhook receiver. The events it receives are its webhook_subscriptions rows. The
 * secret is kept to sign every delivery (Standard Webhooks, whsec_<base64>) and is shown to the
 * admin only in the answer that created it.
 */
@Entity({ name: 'webhook_endpoints' })
@Index('idx_webhook_endpoints_listing', ['createdAt', 'id'])
export class WebhookEndpointEntity {
  @PrimaryColumn({ ...uuidColumn })
  id: string;

  @Column({ type: 'varchar', length: 2048 })
  url: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description: string | null;

  @Column({ type: 'varchar', length: 128 })
  secret: string;

  @Column({ type: 'boolean' })
  enabled: boolean;

  @Column({ name: 'disabled_reason', type: 'varchar', length: 16, nullable: true })
  disabledReason: WebhookDisabledReason | null;

  /** The admin who registered it: told by e-mail when the shop disables it. */
  @Column({ name: 'created_by', ...uuidColumn })
  createdBy: string;

  @Column({ name: 'created_at', ...timestampColumn })
  createdAt: Date;

  @Column({ name: 'updated_at', ...timestampColumn })
  updatedAt: Date;
}
