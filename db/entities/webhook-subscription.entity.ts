import { Entity, Index, PrimaryColumn } from 'typeorm';
import { uuidColumn } from './columns';

/** One event (catalogue name, e.g. `order.paid`) an endpoint receives. */
@Entity({ name: 'webhook_subscriptions' })
@Index('idx_webhook_subscriptions_event', ['eventName'])
export class WebhookSubscriptionEntity {
  @PrimaryColumn({ name: 'endpoint_id', ...uuidColumn })
  endpointId: string;

  @PrimaryColumn({ name: 'event_name', type: 'varchar', length: 64 })
  eventName: string;
}
