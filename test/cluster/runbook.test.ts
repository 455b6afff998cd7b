// The operator runbook (docs/operations.md) against the production Temporal server, in the
// namespace the Kubernetes overlays use (`shop`): a throwaway cluster (tools/temporal-cluster.ts:
// frontend, history, matching and worker as separate processes on PostgreSQL, 4 history shards)
// with the shop's real gateway and worker pools on it. The runbook's blocks (```sh
// runbook=<name>```) are extracted from the markdown and run with bash and the project's
// `temporal` CLI: finding, describing and showing an order, the shipOrder/cancelOrder updates, the
// task queues; and the recovery after a bad deploy: a second build of the pools (the same code
// in a bundle with other bytes, so the SDK's default build ID differs) ships orders, the pools
// are rolled back, and `temporal workflow reset --type BuildId` (one run, then the batch form
// with --query) re-runs what the bad build did with the good one.
// Opt-in: `SHOP_TEST_CLUSTER=1 npx jest --selectProjects cluster -- test/cluster/runbook.test.ts`.
import { createHash, randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/dev-server';
import { OrderStatusSearchAttribute, orderWorkflowId } from '../../workflows/orders/contract';
import { eventually, oneOf, placeOrder, waitForStatus } from '../support/orders-fixtures';
import { type RunbookRunner, runbookBlocks, runbookRunner } from '../support/runbook';
import { type Stack, startStack } from '../support/stack';
import { type TemporalCluster, startThrowawayCluster } from '../support/temporal-cluster';
import { testEnv } from '../support/test-env';

const NAMESPACE = 'shop';
const clusterOnly = runbookBlocks.filter((b) => b.clusterOnly).map((b) => b.id);
let cluster: TemporalCluster;
let stack: Stack | undefined;
let runbook: RunbookRunner;
let metricsPort: number;
const env = testEnv();

const ok: RunbookRunner['ok'] = (id, vars) => runbook.ok(id, vars);

/** The SDK's default build ID for a bundle (@temporalio/worker's addBuildIdIfMissing). */
function defaultBuildId(bundleFile: string): string {
  const pkg = JSON.parse(readFileSync(require.resolve('@temporalio/worker/package.json'), 'utf8'));
  const sha = createHash('sha256').update(readFileSync(bundleFile, 'utf8')).digest('hex');
  return `${pkg.name}@${pkg.version}+${sha}`;
}

const shopEnv = (extra: Record<string, string> = {}) => ({
  TEMPORAL_ADDRESS: cluster.address,
  TEMPORAL_NAMESPACE: NAMESPACE,
  ...extra,
});

let admin: string;
let productId: string;
let alice: { id: string; token: string };
const o: Record<string, string> = {};
let goodBuild: string;
let badBuild: string;
let badBundles: string;

const handle = (orderId: string) => stack!.api.temporal.workflow.getHandle(orderWorkflowId(orderId));
const runIdOf = async (orderId: string) => (await handle(orderId).describe()).runId;
const listed = (query: string) =>
  eventually(
    async () => {
      const ids: string[] = [];
      for await (const wf of stack!.api.temporal.workflow.list({ query })) ids.push(wf.workflowId);
      return ids.length ? ids : undefined;
    },
    30_000,
    `visibility to list ${query}`,
  );

beforeAll(async () => {
  // The bad release: the same bundles, the orders one with other bytes (so another build ID).
  badBundles = mkdtempSync(path.join(os.tmpdir(), 'runbook-bad-bundles-'));
  for (const f of readdirSync(env.bundleDir)) copyFileSync(path.join(env.bundleDir, f), path.join(badBundles, f));
  // Before the inline source map, not after it: the SDK decodes the map from there to the end,
  // and bytes appended after unpadded base64 would decode into it.
  const orders = path.join(badBundles, 'orders.js');
  const code = readFileSync(orders, 'utf8');
  const map = code.lastIndexOf('//# sourceMappingURL=');
  const at = map < 0 ? code.length : map;
  writeFileSync(orders, `${code.slice(0, at)}// a bad release ${randomUUID()}\n${code.slice(at)}`);
  goodBuild = defaultBuildId(path.join(env.bundleDir, 'orders.js'));
  badBuild = defaultBuildId(path.join(badBundles, 'orders.js'));

  cluster = await startThrowawayCluster({ namespace: NAMESPACE });
  runbook = runbookRunner({
    blocks: runbookBlocks,
    cli: env.cli,
    address: cluster.address,
    namespace: NAMESPACE,
    workdirPrefix: 'runbook-cluster-',
  });
  metricsPort = await freePort();
  stack = await startStack({ env: shopEnv(), sdkMetricsPort: metricsPort });
  admin = await stack.adminToken();
  const product = await stack.request('POST', '/api/products', {
    token: admin,
    body: { name: `Cluster kettle ${randomUUID().slice(0, 8)}`, description: 'runbook', priceCents: 5999, stock: 100 },
  });
  expect(product.status).toBe(201);
  productId = product.body.id;
  alice = await stack.customer('Alice');
  for (const k of ['o1', 'o2', 'o3', 'o4']) {
    const res = await placeOrder(stack, alice.token, oneOf(productId));
    expect(res.status).toBe(201);
    o[k] = res.body.id;
  }
  for (const k of ['o1', 'o2', 'o3', 'o4']) await waitForStatus(stack, alice.token, o[k], 'PAID');
  await listed(`WorkflowId='${orderWorkflowId(o.o4)}' AND OrderStatus='PAID'`);
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  await cluster?.stop();
}, 120_000);

describe('the runbook in namespace shop of the production server', () => {
  it('finds an order by ID, by customer and by status', async () => {
    const described = await ok('find-by-id', { ORDER_ID: o.o1 });
    expect(described).toContain(orderWorkflowId(o.o1));
    expect(described).toContain('placeOrder');
    expect(described).toContain('PAID');
    const mine = await ok('find-by-customer', { CUSTOMER_ID: alice.id });
    for (const k of ['o1', 'o2', 'o3', 'o4']) expect([k, mine.includes(o[k])]).toEqual([k, true]);
    const paid = await ok('find-by-status');
    for (const k of ['o1', 'o2', 'o3', 'o4']) expect([k, paid.includes(o[k])]).toEqual([k, true]);
  });

  it("shows an order's progress and its history (also as JSON)", async () => {
    const progress = await ok('read-progress', { ORDER_ID: o.o1 });
    expect(progress).toContain(`"id":"${o.o1}"`);
    expect(progress).toContain('"status":"PAID"');
    const history = await ok('read-history', { ORDER_ID: o.o1 });
    for (const event of ['WorkflowExecutionStarted', 'WorkflowExecutionUpdateAccepted', 'ActivityTaskCompleted'])
      expect(history).toContain(event);
    const json = JSON.parse(readFileSync(path.join(runbook.workdir, `order-${o.o1}.history.json`), 'utf8'));
    expect(json.events[0].eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
  });

  it('cancels an order with the cancelOrder update (refunded), and the API agrees', async () => {
    expect(await ok('cancel-order', { ORDER_ID: o.o3 })).toContain('CANCELLED');
    const order = (await stack!.request('GET', `/api/orders/${o.o3}`, { token: alice.token })).body;
    expect(order.status).toBe('CANCELLED');
    expect(order.payment).toMatchObject({ status: 'REFUNDED' });
  });

  it("describes every pool's task queue with its pollers (unversioned: the build ID is not shown)", async () => {
    const out = await ok('task-queue-backlog');
    expect(out.match(/Task Queue Statistics:/g)?.length).toBe(4);
    expect(out.match(/Pollers:/g)?.length).toBe(4);
    expect(out.match(/UNVERSIONED\s+workflow\s+\S+@/g)?.length).toBe(4);
  });

  it('exports the worker slot gauges the KEDA slot trigger scales on (a real SDK scrape)', async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    for (const name of ['temporal_worker_task_slots_used', 'temporal_worker_task_slots_available'])
      for (const q of ['users', 'catalog', 'orders', 'notifications'])
        expect([name, q, new RegExp(`^${name}\\{[^}]*task_queue="${q}"`, 'm').test(text)]).toEqual([name, q, true]);
  });
});

describe('recovery after a bad deploy: temporal workflow reset --type BuildId', () => {
  it("finds the bad build's ID and the runs it touched, and resets them (one, then by query) onto the good build", async () => {
    // The bad release replaces the pools and ships two orders.
    await stack!.stop();
    stack = await startStack({ env: shopEnv({ WORKFLOW_BUNDLE_DIR: badBundles }) });
    for (const k of ['o1', 'o4']) expect(await ok('ship-order', { ORDER_ID: o[k] })).toContain('SHIPPED');
    const query = `WorkflowType='placeOrder' AND BuildIds='unversioned:${badBuild}'`;
    await eventually(async () => (await listed(query)).length === 2, 30_000, 'both shipped runs listed');

    const found = await ok('find-bad-build', { ORDER_ID: o.o1, BAD_BUILD_ID: badBuild });
    // The order's build IDs, oldest first: the good release's, then the bad one's.
    const ids = [...found.matchAll(/^(\S+) {2}first task: event \d+$/gm)].map((m) => m[1]);
    expect(ids).toEqual([goodBuild, badBuild]);
    expect(found).toContain(orderWorkflowId(o.o1));
    expect(found).toContain(orderWorkflowId(o.o4));
    expect(found).not.toContain(orderWorkflowId(o.o2)); // never touched by the bad build

    // Roll back: the good release polls again.
    await stack.stop();
    stack = await startStack({ env: shopEnv() });
    const before = { o1: await runIdOf(o.o1), o2: await runIdOf(o.o2), o4: await runIdOf(o.o4) };

    // One run: at the event find-bad-build prints for the bad build.
    const points = await ok('find-bad-build', { ORDER_ID: o.o4, BAD_BUILD_ID: badBuild });
    const eventId = new RegExp(`^${badBuild.replace(/[.+@]/g, '\\$&')}  first task: event (\\d+)$`, 'm').exec(
      points,
    )?.[1];
    expect(eventId).toBeDefined();
    await ok('reset-bad-build', { ORDER_ID: o.o4, EVENT_ID: eventId! });
    const o4Reset = await eventually(
      async () => ((await runIdOf(o.o4)) !== before.o4 ? true : undefined),
      30_000,
      'o4 reset',
    );
    expect(o4Reset).toBe(true);
    const started = await ok('batch-reset-bad-build', { BAD_BUILD_ID: badBuild });
    const jobId = /Started batch for job ID: ([0-9a-f-]{36})/.exec(started)?.[1];
    expect(jobId).toBeDefined();
    const status = await eventually(
      async () => {
        const out = await ok('batch-status', { JOB_ID: jobId! });
        return /State\s+Completed/.test(out) ? out : undefined;
      },
      60_000,
      'the batch reset to complete',
    );
    expect(status).toContain(jobId);

    for (const k of ['o1', 'o4'] as const) {
      // A new run, which re-ran the reapplied shipOrder on the good build and completed.
      const d = await eventually(
        async () => {
          const desc = await handle(o[k]).describe();
          return desc.runId !== before[k] && desc.status.name === 'COMPLETED' ? desc : undefined;
        },
        60_000,
        `${k}: a new run, completed`,
      );
      expect(d.typedSearchAttributes.get(OrderStatusSearchAttribute)).toBe('SHIPPED');
      const events = (await handle(o[k]).fetchHistory()).events ?? [];
      const completedBy = events
        .filter((e) => e.workflowTaskCompletedEventAttributes)
        .map((e) => JSON.stringify(e.workflowTaskCompletedEventAttributes));
      expect(completedBy.length).toBeGreaterThan(1);
      expect([k, completedBy.filter((a) => a.includes(badBuild))]).toEqual([k, []]);
      expect([k, completedBy.some((a) => a.includes(goodBuild))]).toEqual([k, true]);
      expect((await stack.request('GET', `/api/orders/${o[k]}`, { token: alice.token })).body.status).toBe('SHIPPED');
    }
    // The run the bad build never touched is left alone, still waiting for shipment.
    expect(await runIdOf(o.o2)).toBe(before.o2);
    expect((await handle(o.o2).describe()).status.name).toBe('RUNNING');
  });
});

describe('coverage', () => {
  it('ran every block only this test can run (marked cluster)', () => {
    expect(clusterOnly.length).toBeGreaterThanOrEqual(3);
    for (const id of clusterOnly) expect([id, runbook.executed.has(id)]).toEqual([id, true]);
  });
});
