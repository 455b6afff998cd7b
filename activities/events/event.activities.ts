// publishEvent: the one activity every domain's workflows publish through, right after the state
// change it reports (the workflow history is the outbox: a crash between the change and the
// publish retries the publish). The event is built here from the workflow's input, so every
// attempt sends the same document under the same ID. Idempotent per event ID within this
// process (concurrent calls share one publish; an ID already confirmed is not sent again);
// across processes and after a lost confirm the broker may hold a duplicate with the same ID,
// which consumers drop. Call it with PUBLISH_EVENT_ACTIVITY_OPTIONS (retries until confirmed).
//
// Once the publish is confirmed, the event is handed to the webhooks (with `webhooks` deps): one
// deliverWebhook workflow per enabled endpoint subscribed to the event, under the deterministic
// ID webhook-<endpointId>-<eventId> (REJECT_DUPLICATE), its delivery row inserted first (unique
// per endpoint and event). A retried publish therefore never starts a second delivery; a failed
// hand-off fails the activity, whose retry hands off again (the publish itself is not repeated
// within the process).
import { ApplicationFailure, Context } from '@temporalio/activity';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import type { ShopCloudEvent } from '../../common/events/catalogue';
import type { EventPublisher } from '../../common/events/publisher';
import { buildCloudEvent, eventName, InvalidEventError, uuidV5 } from '../../common/events/envelope';
import { WebhookDeliveryEntity, WebhookEndpointEntity, WebhookSubscriptionEntity } from '../../db/entities';
import { isUniqueViolation } from '../../db/errors';
import {
  type DeliverWebhookInput,
  NOTIFICATIONS_TASK_QUEUE,
  webhookDeliveryWorkflowId,
} from '../../workflows/notifications/contract';
import type { deliverWebhook } from '../../workflows/notifications/deliver-webhook.workflow';
import type { PublishEventInput, PublishEventResult } from '../../workflows/shared/events';
import { UnconfirmedEvents } from './unconfirmed-events';

export interface WebhookDispatchDeps {
  dataSource: DataSource;
  /** WEBHOOK_RETRY_DELAYS_MS: the schedule each delivery is started with. */
  retryDelaysMs: number[];
  /** Default: the activity context's client. */
  client?: () => Pick<Client, 'workflow'>;
}

export interface EventActivityDeps {
  publisher: EventPublisher;
  /** Events in flight in this process (shop_event_oldest_unconfirmed_seconds); one per process. */
  unconfirmed?: UnconfirmedEvents;
  /** Called once per event confirmed here, with the time from the change to the confirm (ms). */
  onConfirmed?: (lagMs: number) => void;
  /** Confirmed IDs remembered per process (oldest forgotten first). */
  rememberConfirmed?: number;
  /** Hand confirmed events to the webhook endpoints subscribed to them. */
  webhooks?: WebhookDispatchDeps;
}

/** The delivery of an event to an endpoint: the same pair always has the same ID. */
export const webhookDeliveryId = (endpointId: string, eventId: string): string =>
  uuidV5(`webhook-delivery:${endpointId}:${eventId}`);

/** Starts (once) a delivery per enabled endpoint subscribed to the event; returns their endpoint IDs. */
export async function dispatchToWebhooks(deps: WebhookDispatchDeps, event: ShopCloudEvent): Promise<string[]> {
  const name = eventName(event);
  const targets = await deps.dataSource
    .getRepository(WebhookEndpointEntity)
    .createQueryBuilder('e')
    .innerJoin(WebhookSubscriptionEntity, 's', 's.endpoint_id = e.id')
    .where('s.event_name = :name AND e.enabled = :on', { name, on: 1 })
    .select('e.id', 'id')
    .getRawMany<{ id: string }>();
  if (!targets.length) return [];
  const client = (deps.client ?? (() => Context.current().client))();
  const payload = JSON.stringify(event);
  for (const { id: endpointId } of targets) {
    const deliveryId = webhookDeliveryId(endpointId, event.id);
    const now = new Date();
    try {
      await deps.dataSource.getRepository(WebhookDeliveryEntity).insert({
        id: deliveryId,
        endpointId,
        eventId: event.id,
        eventType: event.type,
        payload,
        status: 'PENDING',
        attempts: 0,
        runs: 1,
        lastStatusCode: null,
        lastError: null,
        lastResponseExcerpt: null,
        lastAttemptAt: null,
        nextAttemptAt: now,
        createdAt: now,
        updatedAt: now,
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    const input: DeliverWebhookInput = {
      deliveryId,
      endpointId,
      eventId: event.id,
      run: 1,
      retryDelaysMs: deps.retryDelaysMs,
    };
    try {
      await client.workflow.start<typeof deliverWebhook>('deliverWebhook', {
        workflowId: webhookDeliveryWorkflowId(endpointId, event.id),
        taskQueue: NOTIFICATIONS_TASK_QUEUE,
        args: [input],
        // Never a second run from the publish path, even once the first has closed; an admin's
        // retry (POST .../retry) is the only way to run it again.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
  return targets.map((t) => t.id);
}

export function createEventActivities({
  publisher,
  rememberConfirmed = 10_000,
  webhooks,
  unconfirmed = new UnconfirmedEvents(),
  onConfirmed,
}: EventActivityDeps) {
  const confirmed = new Set<string>();
  const inFlight = new Map<string, Promise<void>>();

  const remember = (id: string) => {
    confirmed.add(id);
    if (confirmed.size > rememberConfirmed) confirmed.delete(confirmed.values().next().value!);
  };

  return {
    async publishEvent(input: PublishEventInput): Promise<PublishEventResult> {
      let event;
      try {
        event = buildCloudEvent(input);
      } catch (err) {
        if (err instanceof InvalidEventError) throw ApplicationFailure.nonRetryable(err.message, err.type);
        throw err;
      }
      let published = false;
      if (!confirmed.has(event.id)) {
        let pending = inFlight.get(event.id);
        if (!pending) {
          unconfirmed.attempting(event.id, Date.parse(event.time));
          pending = publisher.publish(event).then(() => {
            remember(event.id);
            const lagMs = unconfirmed.confirmed(event.id);
            if (lagMs !== undefined) onConfirmed?.(lagMs);
          });
          inFlight.set(event.id, pending);
          void pending.finally(() => inFlight.delete(event.id)).catch(() => undefined);
        }
        await pending;
        published = true;
      }
      // After the confirm, on every attempt (idempotent): an attempt that failed here retries the hand-off.
      if (webhooks) await dispatchToWebhooks(webhooks, event);
      return { id: event.id, published };
    },
  };
}

export type EventActivities = ReturnType<typeof createEventActivities>;
