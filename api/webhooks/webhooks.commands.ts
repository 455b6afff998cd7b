// The webhooks write path. Registering, changing and deleting an endpoint are configuration rows
// written here, in one transaction each (the endpoint and its events); the target is checked by
// the SSRF guard first (422 WEBHOOK_TARGET_REFUSED). Deliveries are Temporal workflows: a retry
// starts a new run of the delivery's workflow (same ID, so still one delivery per endpoint and
// event), within the route deadline.
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { generateSecret } from '../../common/webhooks/signature';
import { checkTarget, TargetRefusedError } from '../../common/webhooks/target-guard';
import { WebhookDeliveryEntity, WebhookEndpointEntity, WebhookSubscriptionEntity } from '../../db/entities';
import { inTransaction } from '../../db/transaction';
import {
  type DeliverWebhookInput,
  NOTIFICATIONS_TASK_QUEUE,
  WEBHOOK_LIMITS,
  webhookDeliveryWorkflowId,
} from '../../workflows/notifications/contract';
import type { deliverWebhook } from '../../workflows/notifications/deliver-webhook.workflow';
import type { ShopEventName } from '../../workflows/shared/events';
import type { ApiDeps } from '../context';
import { notFound, ProblemError } from '../problem';
import { stillProcessing, withinRouteDeadline } from '../shared/route-deadline';
import type { WebhookCreatedView, WebhookDeliveryView, WebhookView } from './webhooks.output';
import { findDelivery, findWebhook, toDeliveryView, toWebhookView } from './webhooks.queries';

/** How long the target's DNS resolution may take at registration (and at most half the route deadline). */
const RESOLVE_TIMEOUT_MS = 5_000;

const refused = (detail: string) => new ProblemError(422, 'WEBHOOK_TARGET_REFUSED', 'Webhook target refused', detail);
const resolverUnavailable = (detail: string) =>
  new ProblemError(503, 'DNS_UNAVAILABLE', 'Service unavailable', detail, {}, { 'Retry-After': '5' });

export function webhookCommands(deps: ApiDeps) {
  const resolveTimeoutMs = Math.min(RESOLVE_TIMEOUT_MS, Math.floor(deps.config.ROUTE_DEADLINE_MS / 2));
  const guard = async (url: string) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TargetRefusedError(`the target host did not resolve within ${resolveTimeoutMs} ms`, {
              transient: true,
            }),
          ),
        resolveTimeoutMs,
      );
    });
    try {
      await Promise.race([checkTarget(url, { allowPrivate: deps.config.WEBHOOK_ALLOW_PRIVATE_TARGETS }), late]);
    } catch (err) {
      if (err instanceof TargetRefusedError)
        throw err.transient ? resolverUnavailable(`${err.message}; retry shortly`) : refused(err.message);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };

  const subscriptions = (endpointId: string, events: ShopEventName[]) =>
    events.map((eventName) => ({ endpointId, eventName }));

  return {
    async create(
      fields: { url: string; events: ShopEventName[]; description?: string },
      adminId: string,
    ): Promise<WebhookCreatedView> {
      await guard(fields.url);
      const now = new Date();
      const row: WebhookEndpointEntity = {
        id: randomUUID(),
        url: fields.url,
        description: fields.description || null,
        secret: generateSecret(),
        enabled: true,
        disabledReason: null,
        createdBy: adminId,
        createdAt: now,
        updatedAt: now,
      };
      await inTransaction(deps.dataSource, async (em) => {
        const count = await em.getRepository(WebhookEndpointEntity).count();
        if (count >= WEBHOOK_LIMITS.endpointsMax)
          throw new ProblemError(
            409,
            'WEBHOOK_LIMIT_REACHED',
            'Too many webhook endpoints',
            `A shop may register at most ${WEBHOOK_LIMITS.endpointsMax} webhook endpoints; delete one first`,
          );
        await em.getRepository(WebhookEndpointEntity).insert(row);
        await em.getRepository(WebhookSubscriptionEntity).insert(subscriptions(row.id, fields.events));
      });
      return { ...toWebhookView(row, fields.events), secret: row.secret };
    },

    async update(
      id: string,
      patch: { url?: string; events?: ShopEventName[]; description?: string | null; enabled?: boolean },
    ): Promise<WebhookView> {
      if (patch.url !== undefined) await guard(patch.url);
      const found = await inTransaction(deps.dataSource, async (em) => {
        const repo = em.getRepository(WebhookEndpointEntity);
        const row = await repo.findOneBy({ id });
        if (!row) return false;
        const changes: Partial<WebhookEndpointEntity> = { updatedAt: new Date() };
        if (patch.url !== undefined) changes.url = patch.url;
        if (patch.description !== undefined) changes.description = patch.description || null;
        if (patch.enabled !== undefined && patch.enabled !== Boolean(row.enabled)) {
          changes.enabled = patch.enabled;
          changes.disabledReason = patch.enabled ? null : 'ADMIN';
        }
        await repo.update({ id }, changes);
        if (patch.events) {
          await em.getRepository(WebhookSubscriptionEntity).delete({ endpointId: id });
          await em.getRepository(WebhookSubscriptionEntity).insert(subscriptions(id, patch.events));
        }
        return true;
      });
      const view = found ? await findWebhook(deps.dataSource, id) : null;
      if (!view) throw notFound('Webhook');
      return view;
    },

    /** Deletes the endpoint, its events and its delivery records; running deliveries end at their next attempt. */
    async remove(id: string): Promise<void> {
      const deleted = await inTransaction(deps.dataSource, async (em) => {
        const result = await em.getRepository(WebhookEndpointEntity).delete({ id });
        if (!result.affected) return false;
        await em.getRepository(WebhookSubscriptionEntity).delete({ endpointId: id });
        await em.getRepository(WebhookDeliveryEntity).delete({ endpointId: id });
        return true;
      });
      if (!deleted) throw notFound('Webhook');
    },

    /**
     * Runs a FAILED delivery again, on a fresh schedule: a new run of its workflow under the same
     * ID (the same webhook-id on every attempt). 409 unless it is FAILED and its endpoint enabled.
     */
    async retry(endpointId: string, deliveryId: string): Promise<WebhookDeliveryView> {
      const endpoint = await findWebhook(deps.dataSource, endpointId);
      if (!endpoint) throw notFound('Webhook');
      const delivery = await findDelivery(deps.dataSource, endpointId, deliveryId);
      if (!delivery) throw notFound('Delivery');
      if (!endpoint.enabled)
        throw new ProblemError(
          409,
          'WEBHOOK_DISABLED',
          'Webhook disabled',
          'The endpoint is disabled: re-enable it (PATCH {"enabled": true}) before retrying its deliveries',
        );
      const notFailed = () =>
        new ProblemError(
          409,
          'DELIVERY_NOT_FAILED',
          'Delivery not failed',
          `Only a FAILED delivery can be retried; this one is ${delivery.status}`,
        );
      if (delivery.status !== 'FAILED') throw notFailed();
      const now = new Date();
      // Claimed by a conditional update: of two concurrent retries, one starts the run.
      const claimed = await deps.dataSource
        .getRepository(WebhookDeliveryEntity)
        .createQueryBuilder()
        .update()
        .set({ status: 'PENDING', runs: () => 'runs + 1', nextAttemptAt: now, updatedAt: now })
        .where('id = :id AND status = :failed AND runs = :runs', {
          id: deliveryId,
          failed: 'FAILED',
          runs: delivery.runs,
        })
        .execute();
      if (!claimed.affected) throw notFailed();
      const input: DeliverWebhookInput = {
        deliveryId,
        endpointId,
        eventId: delivery.eventId,
        run: delivery.runs + 1,
        retryDelaysMs: deps.config.WEBHOOK_RETRY_DELAYS_MS,
      };
      const unclaim = () =>
        deps.dataSource
          .getRepository(WebhookDeliveryEntity)
          .update(
            { id: deliveryId, status: 'PENDING', runs: delivery.runs + 1 },
            { status: 'FAILED', nextAttemptAt: null },
          );
      try {
        const outcome = await withinRouteDeadline(deps, () =>
          deps.temporal.workflow.start<typeof deliverWebhook>('deliverWebhook', {
            workflowId: webhookDeliveryWorkflowId(endpointId, delivery.eventId),
            taskQueue: NOTIFICATIONS_TASK_QUEUE,
            args: [input],
            workflowIdReusePolicy: 'ALLOW_DUPLICATE',
            workflowIdConflictPolicy: 'FAIL',
          }),
        );
        if (!outcome.inTime) {
          // Unknown whether it started: FAILED again, so a repeat can claim it (a run that did
          // start records its attempts over it; a repeat while it runs is 409 DELIVERY_IN_PROGRESS).
          await unclaim().catch(() => undefined);
          throw stillProcessing('The retry may not have started; repeat it, or list the deliveries to see');
        }
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          // The previous run is still closing (disabling the endpoint): nothing to retry yet.
          await unclaim();
          throw new ProblemError(409, 'DELIVERY_IN_PROGRESS', 'Delivery in progress', 'The delivery is still running');
        }
        if (!(err instanceof ProblemError)) await unclaim().catch(() => undefined);
        throw err;
      }
      const row = await findDelivery(deps.dataSource, endpointId, deliveryId);
      return toDeliveryView(row ?? { ...delivery, status: 'PENDING', nextAttemptAt: now, updatedAt: now });
    },
  };
}
