// Where events go: one interface, two implementations. With AMQP_URL set, the RabbitMQ topic
// exchange `shop.events` (publisher confirms); without it, DATA_DIR/events.jsonl (embedded mode:
// `npm start` shows the same documents without a broker). common/events/catalogue.ts says what
// an event is; this module only moves finished documents.
import type { Config } from '../config';
import { dataPath } from '../config';
import type { Logger } from '../logger';
import type { ShopCloudEvent } from './catalogue';
import { JsonlEventPublisher } from './jsonl-publisher';
import { RabbitMqEventPublisher } from './rabbitmq-publisher';

export interface EventPublisher {
  readonly kind: 'rabbitmq' | 'jsonl';
  /**
   * Resolves once the event is durably taken (the broker's publisher confirm; the file's
   * fsync). Rejects when it is not (broker unreachable past the wait, nack): the caller retries
   * with the same document. A rejection after the broker did take it (a lost confirm) makes the
   * retry a duplicate with the same ID, which consumers drop.
   */
  publish(event: ShopCloudEvent): Promise<void>;
  close(): Promise<void>;
}

export function createEventPublisher(config: Config, logger?: Logger): EventPublisher {
  if (config.AMQP_URL) return new RabbitMqEventPublisher({ url: config.AMQP_URL, logger });
  return new JsonlEventPublisher(dataPath(config, 'events.jsonl'));
}

/** AMQP topic matching (`*` one word, `#` zero or more), for tailing the file like a binding. */
export function topicMatches(pattern: string, routingKey: string): boolean {
  const p = pattern.split('.');
  const k = routingKey.split('.');
  const match = (i: number, j: number): boolean => {
    if (i === p.length) return j === k.length;
    if (p[i] === '#') return match(i + 1, j) || (j < k.length && match(i, j + 1));
    if (j === k.length) return false;
    return (p[i] === '*' || p[i] === k[j]) && match(i + 1, j + 1);
  };
  return match(0, 0);
}
