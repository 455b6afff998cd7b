// Observability end to end on the real stack (Temporal dev server, MariaDB, Redis, SMTP sink):
// - log correlation: one registration's and one order's request ID in the gateway's log line and
//   in the worker's log lines of their workflows, child workflows and activities (all captured
//   from the same pino stream the components log to);
// - metrics: the gateway's HTTP and business metrics by route template, the worker pools'
//   business metrics and health endpoint, the Temporal SDK exporter's default names and labels;
// - every metric named by the Grafana dashboards and the alert rules is in a real scrape.
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { orderEmailWorkflowId, welcomeEmailWorkflowId } from '../../workflows/notifications/contract';
import { orderWorkflowId, OrderStatusSearchAttribute } from '../../workflows/orders/contract';
import { registerUserWorkflowId } from '../../workflows/users/contract';
import { eventually } from '../support/eventually';
import { PROMETHEUS_SYNTHETIC, alertQueries, dashboardQueries, metricNamesIn, seriesNamesIn } from '../support/obs-ops';
import { type LogLine, type ObservedStack, startObservedStack } from '../support/obs-stack';

let stack: ObservedStack;
beforeAll(async () => {
  stack = await startObservedStack();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const sdkLinesOf = (workflowIds: string[]) =>
  stack.logs.where((l) => l.source === 'temporal-sdk' && workflowIds.includes(String(l.workflowId)));
const text = async (url: string) => {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return res.text();
};
/** Samples of one metric as {labels, value}. */
function samples(exposition: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of exposition.split('\n')) {
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]),
    );
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}
const sumOf = (exposition: string, name: string, where: Record<string, string>) =>
  samples(exposition, name)
    .filter((s) => Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);

/** SDK lines that must carry the correlation keys: all but "Activity started", which the SDK logs before any interceptor sees the headers. */
const correlated = (lines: LogLine[]) => lines.filter((l) => l.msg !== 'Activity started');

describe('log correlation', () => {
  it('one registration: its request ID is on the gateway line and on every worker line of registerUser, its welcome e-mail and their activities', async () => {
    const requestId = `obs-reg-${randomUUID()}`;
    const res = await stack.request('POST', '/api/users/register', {
      headers: { 'X-Request-Id': requestId },
      body: { email: `obs-${randomUUID()}@example.test`, password: 'correct horse battery', name: 'Log Reader' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe(requestId);
    const userId = res.body.id as string;
    await stack.api.temporal.workflow.getHandle(welcomeEmailWorkflowId(userId)).result();

    const gateway = await stack.logs.waitFor(
      (l) => l.msg === 'request' && l.requestId === requestId,
      'gateway request line',
    );
    expect(gateway).toMatchObject({ component: 'api', method: 'POST', path: '/api/users/register', status: 201 });

    const ids = [registerUserWorkflowId(userId), welcomeEmailWorkflowId(userId)];
    await stack.logs.waitFor(
      (l) => l.workflowId === ids[1] && l.msg === 'Workflow completed',
      'welcome e-mail completed',
    );
    const lines = sdkLinesOf(ids);
    const seen = lines.map(
      (l) =>
        `${l.workflowId === ids[0] ? 'registerUser' : 'sendEmail'}: ${l.msg}${l.activityType ? ` ${l.activityType}` : ''}`,
    );
    expect(seen).toEqual(
      expect.arrayContaining([
        'registerUser: Workflow started',
        'registerUser: Activity completed createUser',
        'registerUser: Workflow completed',
        'sendEmail: Workflow started',
        'sendEmail: Activity completed deliverEmail',
        'sendEmail: Workflow completed',
      ]),
    );
    for (const l of correlated(lines)) {
      expect([l.msg, l.requestId, l.userId, typeof l.runId, l.component]).toEqual([
        l.msg,
        requestId,
        userId,
        'string',
        'worker',
      ]);
    }
    // The request ID is also in the memo (shown by the Web UI and `temporal workflow describe`).
    expect((await stack.api.temporal.workflow.getHandle(ids[0]).describe()).memo).toEqual({ requestId });
  });

  it('one order: the placing request ID follows it through the orders and catalog activities to the e-mail; the cancel request ID is on the update it sent', async () => {
    const admin = await stack.adminToken();
    const product = await stack.request('POST', '/api/products', {
      token: admin,
      body: { name: `Obs ${randomUUID().slice(0, 8)}`, description: 'observable', priceCents: 1999, stock: 10 },
    });
    expect(product.status).toBe(201);
    const c = await stack.customer('Order Watcher');

    const placeId = `obs-order-${randomUUID()}`;
    const placed = await stack.request('POST', '/api/orders', {
      token: c.token,
      headers: { 'X-Request-Id': placeId },
      body: { items: [{ productId: product.body.id, quantity: 2 }] },
    });
    expect(placed.status).toBe(201);
    const orderId = placed.body.id as string;
    await eventually(async () => {
      const r = await stack.request('GET', `/api/orders/${orderId}`, { token: c.token });
      return r.body.status === 'PAID' ? r.body : undefined;
    }, 'order PAID');
    await stack.api.temporal.workflow.getHandle(orderEmailWorkflowId(orderId, 'order-paid')).result();

    const cancelId = `obs-cancel-${randomUUID()}`;
    const cancelled = await stack.request('PUT', `/api/orders/${orderId}/cancel`, {
      token: c.token,
      headers: { 'X-Request-Id': cancelId },
      body: { reason: 'changed my mind' },
    });
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'CANCELLED']);
    await stack.api.temporal.workflow.getHandle(orderWorkflowId(orderId)).result();
    await stack.api.temporal.workflow.getHandle(orderEmailWorkflowId(orderId, 'order-cancelled')).result();

    expect(
      await stack.logs.waitFor((l) => l.msg === 'request' && l.requestId === placeId, 'place request line'),
    ).toMatchObject({ path: '/api/orders', status: 201, userId: c.id });
    expect(
      await stack.logs.waitFor((l) => l.msg === 'request' && l.requestId === cancelId, 'cancel request line'),
    ).toMatchObject({ path: `/api/orders/${orderId}/cancel`, status: 200, userId: c.id });

    const wf = orderWorkflowId(orderId);
    const emails = [orderEmailWorkflowId(orderId, 'order-paid'), orderEmailWorkflowId(orderId, 'order-cancelled')];
    await stack.logs.waitFor(
      (l) => l.workflowId === emails[1] && l.msg === 'Workflow completed',
      'cancellation e-mail completed',
    );
    await stack.logs.waitFor((l) => l.workflowId === wf && l.msg === 'Workflow completed', 'order workflow completed');
    const lines = correlated(sdkLinesOf([wf, ...emails]));

    // Every line of the order, its activities (orders and catalog pools) and its e-mails names the order and the customer.
    for (const l of lines)
      expect([l.workflowId, l.msg, l.orderId, l.userId, typeof l.runId]).toEqual([
        l.workflowId,
        l.msg,
        orderId,
        c.id,
        'string',
      ]);
    // The cancel request's ID is on the update the gateway sent; everything else is the placing request's.
    const cancelUpdate = lines.filter((l) => l.updateName === 'cancelOrder');
    expect(cancelUpdate.map((l) => [l.msg, l.requestId])).toEqual([['update accepted', cancelId]]);
    for (const l of lines.filter((x) => x.updateName !== 'cancelOrder'))
      expect([l.workflowId, l.msg, l.activityType, l.requestId]).toEqual([
        l.workflowId,
        l.msg,
        l.activityType,
        placeId,
      ]);

    const activities = new Set(
      lines.filter((l) => l.msg === 'Activity completed').map((l) => `${l.taskQueue}/${l.activityType}`),
    );
    for (const a of [
      'catalog/priceAndReserve',
      'orders/openOrder',
      'orders/chargePayment',
      'orders/recordTransition',
      'orders/startOrderEmail',
      'orders/refundPayment',
      'catalog/releaseStock',
      'notifications/deliverEmail',
    ])
      expect(activities).toContain(a);
    // The workflow's own business log lines carry the keys too.
    expect(lines.find((l) => l.msg === 'order paid')).toMatchObject({
      level: 'info',
      requestId: placeId,
      orderId,
      userId: c.id,
      workflowId: wf,
      sdkComponent: 'workflow',
    });
    expect(lines.find((l) => l.msg === 'update accepted' && l.updateName === 'submitOrder')).toMatchObject({
      requestId: placeId,
    });
  });
});

describe('metrics', () => {
  it('gateway: request durations by route template (never the raw path), business counters, default process metrics', async () => {
    const c = await stack.customer('Metrics');
    const missing = randomUUID();
    expect((await stack.request('GET', `/api/orders/${missing}`, { token: c.token })).status).toBe(404);
    const product = (await stack.request('GET', '/api/products?limit=1')).body.items[0];
    await stack.request('GET', `/api/products/${product.id}`);
    await stack.request('GET', `/api/products/${product.id}`);

    const metrics = await text(`${stack.baseUrl}/metrics`);
    expect(metrics).not.toContain(missing);
    expect(metrics).not.toContain(product.id);
    const routes = new Set(
      samples(metrics, 'http_request_duration_seconds_count').map(
        (s) => `${s.labels.method} ${s.labels.route} ${s.labels.status_code}`,
      ),
    );
    for (const r of [
      'GET /api/orders/:id 404',
      'POST /api/orders 201',
      'PUT /api/orders/:id/cancel 200',
      'POST /api/users/register 201',
      'GET /api/products/:id 200',
    ])
      expect(routes).toContain(r);
    expect(
      samples(metrics, 'http_request_duration_seconds_bucket').every(
        (s) => s.labels.role === 'api' && 'le' in s.labels,
      ),
    ).toBe(true);
    expect(sumOf(metrics, 'shop_cache_requests_total', { result: 'hit' })).toBeGreaterThan(0);
    expect(samples(metrics, 'process_cpu_seconds_total').length).toBeGreaterThan(0);
    expect(samples(metrics, 'nodejs_eventloop_lag_p99_seconds').length).toBeGreaterThan(0);
  });

  it('workers: business metrics of the activities, the orders-by-status gauge, and health endpoints for the probes', async () => {
    const metrics = await text(`${stack.workerHttpUrl}/metrics`);
    for (const outcome of ['placed', 'paid', 'cancelled'])
      expect([outcome, sumOf(metrics, 'shop_orders_total', { outcome, role: 'worker' }) > 0]).toEqual([outcome, true]);
    expect(sumOf(metrics, 'shop_payments_total', { kind: 'charge', result: 'succeeded' })).toBeGreaterThan(0);
    expect(sumOf(metrics, 'shop_payments_total', { kind: 'refund', result: 'succeeded' })).toBeGreaterThan(0);
    expect(sumOf(metrics, 'shop_emails_total', { template: 'order-paid', outcome: 'sent' })).toBeGreaterThan(0);
    expect(sumOf(metrics, 'shop_emails_total', { template: 'welcome', outcome: 'sent' })).toBeGreaterThan(0);
    const byStatus = Object.fromEntries(
      samples(metrics, 'shop_orders_in_status').map((s) => [s.labels.status, s.value]),
    );
    expect(Object.keys(byStatus).sort()).toEqual(
      expect.arrayContaining(['CANCELLED', 'FAILED', 'PAID', 'PENDING', 'SHIPPED']),
    );
    expect(byStatus.CANCELLED).toBeGreaterThanOrEqual(1);

    for (const path of ['/healthz', '/readyz']) {
      const res = await fetch(stack.workerHttpUrl + path);
      expect([path, res.status]).toEqual([path, 200]);
      expect(await res.json()).toEqual({
        status: 'ok',
        workers: { users: 'RUNNING', catalog: 'RUNNING', orders: 'RUNNING', notifications: 'RUNNING' },
      });
    }
  });

  it('Temporal SDK exporter: default names (no _total, no unit suffix), milliseconds, task_queue/worker_type labels per pool', async () => {
    const metrics = await text(stack.sdkMetricsUrl);
    const slots = samples(metrics, 'temporal_worker_task_slots_available');
    for (const q of ['users', 'catalog', 'orders', 'notifications']) {
      expect([
        q,
        slots
          .filter((s) => s.labels.task_queue === q)
          .map((s) => s.labels.worker_type)
          .sort(),
      ]).toEqual([q, expect.arrayContaining(['ActivityWorker', 'WorkflowWorker'])]);
    }
    expect(
      samples(metrics, 'temporal_workflow_task_schedule_to_start_latency_bucket').some(
        (s) => s.labels.task_queue === 'orders' && s.labels.le === '1000',
      ),
    ).toBe(true);
    expect(
      samples(metrics, 'temporal_activity_execution_latency_bucket').some(
        (s) => s.labels.activity_type === 'chargePayment',
      ),
    ).toBe(true);
    expect(
      sumOf(metrics, 'temporal_workflow_completed', { workflow_type: 'placeOrder', task_queue: 'orders' }),
    ).toBeGreaterThan(0);
    // `local_activity_total` is the one SDK metric whose own name ends in _total (a count of local
    // activities); no other name may carry the suffix an exporter would add.
    expect(samples(metrics, 'temporal_local_activity_total').some((s) => s.labels.activity_type === 'openOrder')).toBe(
      true,
    );
    expect(
      metrics
        .split('\n')
        .filter((l) => /^temporal_\w+_total[{ ]/.test(l) && !l.startsWith('temporal_local_activity_total')),
    ).toEqual([]);
    expect(metrics).not.toMatch(/^temporal_\w+_milliseconds/m);
  });
});

describe('dashboards and alerts name only metrics the code exports (real scrapes)', () => {
  it('finds every temporal_* name in the SDK exporter and every other name in the gateway or worker exposition', async () => {
    // Rare events first, so the SDK has emitted every series the dashboards and alerts watch:
    // a taken e-mail (a failed workflow and activity), a failing workflow task and a refused RPC.
    const email = `obs-dup-${randomUUID()}@example.test`;
    const body = { email, password: 'correct horse battery', name: 'Twice' };
    expect((await stack.request('POST', '/api/users/register', { body })).status).toBe(201);
    expect((await stack.request('POST', '/api/users/register', { body })).status).toBe(409);

    const probe = await Worker.create({
      connection: stack.workerConnection,
      taskQueue: `obs-probe-${randomUUID()}`,
      workflowsPath: require.resolve('../support/obs-probe.workflows'),
      activities: {
        async startExistingWorkflow(workflowId: string) {
          try {
            await Context.current().client.workflow.start('probeIdle', {
              taskQueue: Context.current().info.taskQueue,
              workflowId,
            });
            return 'started';
          } catch (err) {
            return (err as Error).name;
          }
        },
      },
    });
    const client = stack.api.temporal;
    await probe.runUntil(async () => {
      const taskQueue = probe.options.taskQueue;
      const idle = await client.workflow.start('probeIdle', { taskQueue, workflowId: `probe-idle-${randomUUID()}` });
      expect(
        await client.workflow.execute('probeRpcFailure', {
          taskQueue,
          workflowId: `probe-rpc-${randomUUID()}`,
          args: [idle.workflowId],
        }),
      ).toBe('WorkflowExecutionAlreadyStartedError');
      const failing = await client.workflow.start('probeWorkflowTaskFailure', {
        taskQueue,
        workflowId: `probe-wft-${randomUUID()}`,
      });
      await eventually(
        async () =>
          /^temporal_workflow_task_execution_failed\{.*workflow_type="probeWorkflowTaskFailure"/m.test(
            await text(stack.sdkMetricsUrl),
          )
            ? true
            : undefined,
        'a failed workflow task',
      );
      await failing.terminate('probe done');
      await idle.terminate('probe done');
    });

    const sdk = await eventually(async () => {
      const m = await text(stack.sdkMetricsUrl);
      return /^temporal_workflow_task_execution_failed\{/m.test(m) && /^temporal_request_failure\{/m.test(m)
        ? m
        : undefined;
    }, 'SDK failure metrics');
    const sdkNames = seriesNamesIn(sdk);
    const appNames = new Set([
      ...seriesNamesIn(await text(`${stack.baseUrl}/metrics`)),
      ...seriesNamesIn(await text(`${stack.workerHttpUrl}/metrics`)),
    ]);

    const queries = [...dashboardQueries(), ...alertQueries()];
    const missing: string[] = [];
    let temporalNames = 0;
    for (const q of queries) {
      for (const n of metricNamesIn(q.expr)) {
        if (n.startsWith('temporal_')) temporalNames++;
        const found = n.startsWith('temporal_') ? sdkNames.has(n) : appNames.has(n) || PROMETHEUS_SYNTHETIC.has(n);
        if (!found) missing.push(`${q.source}: ${n}`);
      }
    }
    expect(missing).toEqual([]);
    expect(temporalNames).toBeGreaterThan(20);
  });
});

describe('Web UI readability', () => {
  it('orders show a summary, current details in words, the request ID in the memo and steps as activity summaries', async () => {
    const admin = await stack.adminToken();
    const product = await stack.request('POST', '/api/products', {
      token: admin,
      body: { name: `UI ${randomUUID().slice(0, 8)}`, description: 'ui', priceCents: 500, stock: 5 },
    });
    const c = await stack.customer('UI Reader');
    const requestId = `obs-ui-${randomUUID()}`;
    const placed = await stack.request('POST', '/api/orders', {
      token: c.token,
      headers: { 'X-Request-Id': requestId },
      body: { items: [{ productId: product.body.id, quantity: 1 }] },
    });
    expect(placed.status).toBe(201);
    const handle = stack.api.temporal.workflow.getHandle(orderWorkflowId(placed.body.id));
    const described = await eventually(async () => {
      const d = await handle.describe();
      return d.typedSearchAttributes.get(OrderStatusSearchAttribute) === 'PAID' ? d : undefined;
    }, 'OrderStatus PAID');
    expect(await described.staticSummary()).toMatch(new RegExp(`^Order ${placed.body.id}`));
    expect(described.memo).toMatchObject({ requestId });
    const meta = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(meta.currentDetails).toMatch(/PAID/);

    // Every activity the order ran, scheduled through the server or local (a marker event),
    // carries a summary that reads as a step.
    const history = await handle.fetchHistory();
    const decode = (p: { data?: Uint8Array | null } | null | undefined) => JSON.parse(Buffer.from(p!.data!).toString());
    const summaries = (history.events ?? []).flatMap((e) => {
      const summary = e.userMetadata?.summary ? decode(e.userMetadata.summary) : undefined;
      if (e.activityTaskScheduledEventAttributes)
        return [[e.activityTaskScheduledEventAttributes.activityType!.name, summary]];
      const marker = e.markerRecordedEventAttributes;
      if (marker?.markerName === 'core_local_activity')
        return [[decode(marker.details!.data!.payloads![0]).activity_type, summary]];
      return [];
    });
    expect(summaries.length).toBeGreaterThan(3);
    for (const [type, summary] of summaries)
      expect([type, summary]).toEqual([type, expect.stringMatching(/^[A-Z][a-z]+( [a-z]+)*/)]);
    // An event's publish starts after the write it reports and after the order's previous event
    // is confirmed, so where it lands among the later steps depends on the broker's timing.
    const isPublish = ([type]: unknown[]) => type === 'publishEvent';
    expect(summaries.filter((s) => !isPublish(s))).toEqual([
      ['priceAndReserve', 'Price and reserve (1 line)'],
      ['openOrder', 'Open order (1 line)'],
      ['chargePayment', 'Charge 5.00 USD'],
      ['recordTransition', 'Record PENDING → PAID'],
      ['startOrderEmail', 'Send "order-paid" e-mail'],
    ]);
    expect(summaries.filter(isPublish)).toEqual([
      ['publishEvent', 'Publish order.accepted #1'],
      ['publishEvent', 'Publish order.paid #2'],
    ]);
    const at = (summary: string) => summaries.findIndex((s) => s[1] === summary);
    expect(at('Publish order.accepted #1')).toBeGreaterThan(at('Open order (1 line)'));
    expect(at('Publish order.paid #2')).toBeGreaterThan(at('Record PENDING → PAID'));

    // The e-mail workflow has a summary too.
    const child = stack.api.temporal.workflow.getHandle(orderEmailWorkflowId(placed.body.id, 'order-paid'));
    await child.result();
    expect(await (await child.describe()).staticSummary()).toBe(`Send "order-paid" e-mail to user ${c.id.slice(0, 8)}`);
    await stack.request('PUT', `/api/orders/${placed.body.id}/ship`, { token: admin });
  });
});
