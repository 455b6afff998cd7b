// One webhook delivery: an event to one endpoint, signed per Standard Webhooks, attempted on the
// retry schedule it was started with. The pauses are durable timers (workflow sleep), so a
// delivery waiting hours for its next attempt holds no worker slot, survives restarts, and its
// history stays small (an activity and a timer per attempt: at most ~10 events each). A 2xx ends
// it; a 410 disables the endpoint; the last failed attempt disables it and e-mails the admin who
// registered it. The delivery row (status, attempts, last code, next attempt) is written by the
// activities; the workflow only decides.
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { WebhookActivities } from '../../activities/notifications/webhook.activities';
import type { DeliverWebhookInput, DeliverWebhookResult } from './contract';
import { startEmailChild } from './email-child';

// An attempt waits at most WEBHOOK_TIMEOUT_MS (≤ 60 s) on the receiver. An activity failure is
// the shop's own trouble (the database away), not the receiver's: retried until it passes, and
// never counted as an attempt of the schedule.
const { attemptWebhookDelivery, disableWebhookEndpoint } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '90s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

export async function deliverWebhook(input: DeliverWebhookInput): Promise<DeliverWebhookResult> {
  const delays = input.retryDelaysMs;
  for (let i = 0; ; i++) {
    const nextDelayMs = i < delays.length ? delays[i]! : null;
    const attempt = await attemptWebhookDelivery({ deliveryId: input.deliveryId, nextDelayMs });
    const done = (status: DeliverWebhookResult['status']): DeliverWebhookResult => ({
      status,
      outcome: attempt.outcome,
      attempts: attempt.attempts,
    });
    if (attempt.outcome === 'DELIVERED') return done('SUCCEEDED');
    if (attempt.outcome === 'ENDPOINT_OFF') return done('FAILED');
    if (attempt.outcome === 'GONE') {
      await disableWebhookEndpoint({ endpointId: input.endpointId, reason: 'GONE' });
      return done('FAILED');
    }
    if (nextDelayMs === null) {
      const off = await disableWebhookEndpoint({ endpointId: input.endpointId, reason: 'FAILING' });
      if (off.disabled && off.adminUserId)
        await startEmailChild({
          userId: off.adminUserId,
          template: 'webhook-disabled',
          endpointId: input.endpointId,
          deliveryId: input.deliveryId,
          run: input.run,
          data: { url: off.url, attempts: attempt.attempts, lastStatusCode: attempt.statusCode },
        });
      return done('FAILED');
    }
    await sleep(nextDelayMs);
  }
}
