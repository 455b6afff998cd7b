import { createEmailActivities } from '../activities/notifications/email.activities';
import { createWebhookActivities } from '../activities/notifications/webhook.activities';
import { NOTIFICATIONS_TASK_QUEUE } from '../workflows/notifications/contract';
import { businessMetrics } from '../common/metrics';
import type { WorkerSpec } from './worker-spec';

export const notificationsWorker: WorkerSpec = {
  domain: 'notifications',
  taskQueue: NOTIFICATIONS_TASK_QUEUE,
  workflowsPath: require.resolve('../workflows/notifications'),
  createActivities: ({ config, dataSource, mailer, metrics }) => {
    const m = businessMetrics(metrics);
    return {
      ...createEmailActivities({
        dataSource,
        mailer,
        onSent: (template, outcome) => m.emails.inc({ template, outcome }),
      }),
      ...createWebhookActivities({
        dataSource,
        allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
        timeoutMs: config.WEBHOOK_TIMEOUT_MS,
        onAttempt: (outcome) => m.webhookAttempts.inc({ outcome }),
      }),
    };
  },
  // SMTP round trips and webhook POSTs are slow and I/O-bound: allow many in flight.
  tuning: { maxConcurrentActivityTaskExecutions: 50 },
};
