// RabbitMQ: the durable topic exchange `shop.events`, routing key = the event name, persistent
// messages, publisher confirms. Structured content mode (the body is the whole CloudEvent, as in
// events.jsonl and webhooks) with the binding's `cloudEvents_*` application properties, so a
// consumer can route or filter without parsing. rabbitmq-client reconnects by itself (backoff
// retryLowMs..retryHighMs) and re-declares the exchange; a publish waits for the connection up to
// acquireTimeoutMs per attempt, then fails, and the caller (the activity) retries.
import { Connection, type Publisher } from 'rabbitmq-client';
import { EVENTS_EXCHANGE } from '../../workflows/shared/events';
import type { Logger } from '../logger';
import type { ShopCloudEvent } from './catalogue';
import { amqpBindingHeaders, CLOUDEVENTS_JSON, eventName } from './envelope';
import type { EventPublisher } from './publisher';

export interface RabbitMqPublisherOptions {
  url: string;
  exchange?: string;
  /** How long one attempt waits for a (re)connection before failing. */
  acquireTimeoutMs?: number;
  /** Attempts inside one publish() (a connection lost before the confirm retries on the next). */
  maxAttempts?: number;
  retryLowMs?: number;
  retryHighMs?: number;
  connectionName?: string;
  logger?: Logger;
}

export class RabbitMqEventPublisher implements EventPublisher {
  readonly kind = 'rabbitmq' as const;
  readonly exchange: string;
  private readonly connection: Connection;
  private readonly publisher: Publisher;

  constructor(opts: RabbitMqPublisherOptions) {
    this.exchange = opts.exchange ?? EVENTS_EXCHANGE;
    this.connection = new Connection({
      url: opts.url,
      acquireTimeout: opts.acquireTimeoutMs ?? 10_000,
      retryLow: opts.retryLowMs ?? 500,
      retryHigh: opts.retryHighMs ?? 10_000,
      connectionName: opts.connectionName ?? 'temporal-shop events',
      heartbeat: 15,
    });
    const log = opts.logger;
    this.connection.on('error', (err) => log?.warn({ err }, 'RabbitMQ connection error (reconnecting)'));
    this.connection.on('connection', () => log?.info('RabbitMQ connection (re)established'));
    this.publisher = this.connection.createPublisher({
      confirm: true,
      maxAttempts: opts.maxAttempts ?? 2,
      exchanges: [{ exchange: this.exchange, type: 'topic', durable: true }],
    });
    this.publisher.on('retry', (err) => log?.warn({ err }, 'event publish retried on a new channel'));
  }

  async publish(event: ShopCloudEvent): Promise<void> {
    await this.publisher.send(
      {
        exchange: this.exchange,
        routingKey: eventName(event),
        durable: true,
        messageId: event.id,
        type: event.type,
        appId: 'temporal-shop',
        timestamp: Math.floor(Date.parse(event.time) / 1000),
        contentType: CLOUDEVENTS_JSON,
        headers: amqpBindingHeaders(event),
      },
      Buffer.from(JSON.stringify(event), 'utf8'),
    );
  }

  async close(): Promise<void> {
    await this.publisher.close().catch(() => undefined);
    await this.connection.close();
  }
}
