import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { timestampColumn, uuidColumn } from './columns';

/**
 * PENDING: not attempted yet. RETRYING: an attempt failed, the next is at next_attempt_at.
 * SUCCEEDED: a 2xx answer. FAILED: given up (schedule exhausted, 410, the endpoint disabled or
 * deleted); POST .../retry runs it again.
 */
export type WebhookDeliveryStatus = 'PENDING' | 'RETRYING' | 'SUCCEEDED' | 'FAILED';

/**
 * One event to one endpoint: the read model of its deliverWebhook workflow, written by the
 * workflow's activities. The payload is the CloudEvent as sent (the same bytes on every attempt).
 */
@Entity({ name: 'webhook_deliveries' })
@Index('idx_webhook_deliveries_listing', ['endpointId', 'createdAt', 'id'])
@Index('uq_webhook_deliveries_event', ['endpointId', 'eventId'], { unique: true })
export class WebhookDeliveryEntity {
  @PrimaryColumn({ ...uuidColumn })
  id: string;

  @Column({ name: 'endpoint_id', ...uuidColumn })
  endpointId: string;

  /** The CloudEvent's id: the `webhook-id` header of every attempt. */
  @Column({ name: 'event_id', ...uuidColumn })
  eventId: string;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType: string;

  @Column({ type: 'text' })
  payload: string;

  @Column({ type: 'varchar', length: 16 })
  status: WebhookDeliveryStatus;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  /** Times the delivery was started: 1, plus one per retry an admin asked for. */
  @Column({ type: 'int', default: 1 })
  runs: number;

  @Column({ name: 'last_status_code', type: 'int', nullable: true })
  lastStatusCode: number | null;

  /** A transport failure or a refusal (timeout, connection refused, target refused). */
  @Column({ name: 'last_error', type: 'varchar', length: 255, nullable: true })
  lastError: string | null;

  /** The start of the last answer's body (never more than WEBHOOK_RESPONSE_EXCERPT_MAX characters). */
  @Column({ name: 'last_response_excerpt', type: 'varchar', length: 512, nullable: true })
  lastResponseExcerpt: string | null;

  @Column({ name: 'last_attempt_at', ...timestampColumn, nullable: true })
  lastAttemptAt: Date | null;

  @Column({ name: 'next_attempt_at', ...timestampColumn, nullable: true })
  nextAttemptAt: Date | null;

  @Column({ name: 'created_at', ...timestampColumn })
  createdAt: Date;

  @Column({ name: 'updated_at', ...timestampColumn })
  updatedAt: Date;
}
