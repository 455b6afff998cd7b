// Captures replay histories of deliverWebhook (test/replay/histories/notifications/webhook-*.json):
// delivered after two failures (two durable timers), a 410 (endpoint disabled), and an exhausted
// schedule (endpoint disabled, the admin's e-mail started as a child). Same rule as the other
// capture scripts: run it for new code paths, never to make a failing replay test pass.
// Usage: npx tsx test/replay/capture-webhook-histories.ts
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { buildCloudEvent } from '../../common/events/envelope';
import { eventExamples } from '../../common/events/catalogue';
import { generateSecret } from '../../common/webhooks/signature';
import { WebhookDeliveryEntity, WebhookEndpointEntity, WebhookSubscriptionEntity } from '../../db/entities';
import { NOTIFICATIONS_TASK_QUEUE, webhookDeliveryWorkflowId } from '../../workflows/notifications/contract';
import globalSetup from '../support/global-setup';
import globalTeardown from '../support/global-teardown';
import { startStack } from '../support/stack';
import { historyToJson } from './history-json';

const DIR = path.resolve(__dirname, 'histories', 'notifications');

async function main(): Promise<void> {
  await globalSetup();
  const scripts = new Map<string, number[]>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const s = scripts.get(req.url ?? '') ?? [200];
      res.writeHead(s.length > 1 ? s.shift()! : s[0]!).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const stack = await startStack({
    env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_DELAYS_MS: '300,300' },
  });
  try {
    const adminId = stack.api.tokens.verify(await stack.adminToken())!.sub;
    const ds = stack.workerDeps.dataSource;
    const scenario = async (name: string, statuses: number[]) => {
      const endpointId = randomUUID();
      const now = new Date();
      scripts.set(`/${name}`, statuses);
      await ds.getRepository(WebhookEndpointEntity).insert({
        id: endpointId,
        url: `http://127.0.0.1:${port}/${name}`,
        description: null,
        secret: generateSecret(),
        enabled: true,
        disabledReason: null,
        createdBy: adminId,
        createdAt: now,
        updatedAt: now,
      });
      await ds.getRepository(WebhookSubscriptionEntity).insert({ endpointId, eventName: 'order.paid' });
      const event = buildCloudEvent({ name: 'order.paid', ...eventExamples['order.paid'], subject: randomUUID() });
      const deliveryId = randomUUID();
      await ds.getRepository(WebhookDeliveryEntity).insert({
        id: deliveryId,
        endpointId,
        eventId: event.id,
        eventType: event.type,
        payload: JSON.stringify(event),
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
      const handle = await stack.api.temporal.workflow.start('deliverWebhook', {
        workflowId: webhookDeliveryWorkflowId(endpointId, event.id),
        taskQueue: NOTIFICATIONS_TASK_QUEUE,
        args: [
          { deliveryId, endpointId, eventId: event.id, run: 1, retryDelaysMs: stack.config.WEBHOOK_RETRY_DELAYS_MS },
        ],
      });
      console.log(name, await handle.result());
      const history = await handle.fetchHistory();
      mkdirSync(DIR, { recursive: true });
      writeFileSync(path.join(DIR, `${name}.json`), `${JSON.stringify(historyToJson(history), null, 2)}\n`);
      console.log(`notifications/${name}: ${history.events?.length} events`);
    };
    await scenario('webhook-delivered-third-attempt', [500, 503, 200]);
    await scenario('webhook-gone', [410]);
    await scenario('webhook-exhausted', [503]);
  } finally {
    await stack.stop();
    server.close();
    await globalTeardown();
  }
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
