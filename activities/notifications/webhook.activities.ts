// The webhook delivery activities (deliverWebhook's steps, on the notifications queue). An attempt
// signs the stored CloudEvent afresh (Standard Webhooks: the same webhook-id, a new timestamp and
// signature), POSTs it through the SSRF guard and records the outcome on the delivery row. A
// failure of the receiver is an outcome, never an activity failure: activity retries are left to
// the shop's own trouble (the database away), so they do not eat into the receiver's schedule.
import { Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { postWebhook, type SendResult } from '../../common/webhooks/sender';
import { signatureHeaders } from '../../common/webhooks/signature';
import type { GuardOptions } from '../../common/webhooks/target-guard';
import { WebhookDeliveryEntity, WebhookEndpointEntity } from '../../db/entities';
import type { WebhookDeliveryStatus } from '../../db/entities/webhook-delivery.entity';
import type {
  DisableWebhookInput,
  DisableWebhookResult,
  WebhookAttemptInput,
  WebhookAttemptOutcome,
  WebhookAttemptResult,
} from '../../workflows/notifications/contract';

export interface WebhookActivityDeps {
  dataSource: DataSource;
  allowPrivateTargets: boolean;
  timeoutMs: number;
  /** DNS resolution (tests may pin it); default dns.lookup. */
  resolve?: GuardOptions['resolve'];
  onAttempt?: (outcome: WebhookAttemptOutcome) => void;
}

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

function outcomeOf(result: SendResult): WebhookAttemptOutcome {
  if (result.kind === 'error') return 'FAILED';
  if (result.statusCode >= 200 && result.statusCode < 300) return 'DELIVERED';
  if (result.statusCode === 410) return 'GONE';
  return 'FAILED';
}

export function createWebhookActivities(deps: WebhookActivityDeps) {
  const { dataSource } = deps;
  const deliveries = () => dataSource.getRepository(WebhookDeliveryEntity);
  const endpoints = () => dataSource.getRepository(WebhookEndpointEntity);

  return {
    async attemptWebhookDelivery(input: WebhookAttemptInput): Promise<WebhookAttemptResult> {
      const delivery = await deliveries().findOneBy({ id: input.deliveryId });
      if (!delivery) return { outcome: 'ENDPOINT_OFF', statusCode: null, attempts: 0 };
      const endpoint = await endpoints().findOneBy({ id: delivery.endpointId });
      if (!endpoint || !endpoint.enabled) {
        await deliveries().update(
          { id: delivery.id },
          {
            status: 'FAILED',
            nextAttemptAt: null,
            lastError: endpoint ? 'endpoint disabled: not attempted' : 'endpoint deleted: not attempted',
            updatedAt: new Date(),
          },
        );
        return { outcome: 'ENDPOINT_OFF', statusCode: null, attempts: delivery.attempts };
      }

      const timestamp = Math.floor(Date.now() / 1000);
      const headers = signatureHeaders(endpoint.secret, delivery.eventId, timestamp, delivery.payload);
      const result = await postWebhook(endpoint.url, delivery.payload, headers, {
        allowPrivate: deps.allowPrivateTargets,
        timeoutMs: deps.timeoutMs,
        resolve: deps.resolve,
      });
      const outcome = outcomeOf(result);
      const now = new Date();
      const status: WebhookDeliveryStatus =
        outcome === 'DELIVERED'
          ? 'SUCCEEDED'
          : outcome === 'FAILED' && input.nextDelayMs !== null
            ? 'RETRYING'
            : 'FAILED';
      const statusCode = result.kind === 'answered' ? result.statusCode : null;
      const lastError =
        result.kind === 'error'
          ? clip(result.error, 255)
          : statusCode! >= 300 && statusCode! < 400
            ? 'redirect not followed'
            : null;
      await deliveries()
        .createQueryBuilder()
        .update()
        .set({
          attempts: () => 'attempts + 1',
          status,
          lastStatusCode: statusCode,
          lastError,
          lastResponseExcerpt: result.kind === 'answered' ? result.excerpt || null : null,
          lastAttemptAt: now,
          nextAttemptAt: status === 'RETRYING' ? new Date(now.getTime() + input.nextDelayMs!) : null,
          updatedAt: now,
        })
        .where('id = :id', { id: delivery.id })
        .execute();
      deps.onAttempt?.(outcome);
      Context.current().log.info('webhook attempt', {
        deliveryId: delivery.id,
        endpointId: endpoint.id,
        outcome,
        statusCode,
        ...(lastError ? { error: lastError } : {}),
      });
      return { outcome, statusCode, attempts: delivery.attempts + 1 };
    },

    /** Switches the endpoint off (410, or the schedule exhausted); says whether it was on. */
    async disableWebhookEndpoint(input: DisableWebhookInput): Promise<DisableWebhookResult> {
      const result = await endpoints()
        .createQueryBuilder()
        .update()
        .set({ enabled: false, disabledReason: input.reason, updatedAt: new Date() })
        .where('id = :id AND enabled = :on', { id: input.endpointId, on: 1 })
        .execute();
      const endpoint = await endpoints().findOneBy({ id: input.endpointId });
      return {
        disabled: (result.affected ?? 0) > 0,
        adminUserId: endpoint?.createdBy ?? null,
        url: endpoint?.url ?? null,
      };
    },
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
