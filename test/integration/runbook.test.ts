// The operator runbook (docs/operations.md) against real orders: every block fenced as
// ```sh runbook=<name>``` is extracted from the markdown and run with bash and the project's
// `temporal` CLI against a Temporal dev server of its own (so batch queries see only this file's
// orders), with the real gateway and worker pools on it; each block's effect is then checked
// through the API, the database-backed read model or the Temporal client. The test also fails
// if the page has a `temporal` command outside those blocks, or a block it does not exercise.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { type DevServer, freePort, startDevServer } from '../../scripts/dev-server';
import { cartWorkflowId } from '../../workflows/carts/contract';
import { OrderStatusSearchAttribute, orderWorkflowId } from '../../workflows/orders/contract';
import { eventually } from '../support/eventually';
import {
  type RunbookRunner,
  fencedBlocks,
  isRunnable,
  runbookBlocks,
  runbookMarkdown,
  runbookRunner,
} from '../support/runbook';
import { type Stack, startStack } from '../support/stack';
import { testEnv } from '../support/test-env';

// ```sh runbook=<name> cluster``` blocks need the production server and a second build of a pool:
// test/cluster/runbook.test.ts runs those.
const blocks = runbookBlocks.filter((b) => !b.clusterOnly);
const blockIds = blocks.map((b) => b.id);
const clusterBlocks = runbookBlocks.filter((b) => b.clusterOnly).map((b) => b.id);

let server: DevServer;
let stack: Stack;
let runbook: RunbookRunner;
const run: RunbookRunner['run'] = (id, vars) => runbook.run(id, vars);
const ok: RunbookRunner['ok'] = (id, vars) => runbook.ok(id, vars);

interface Customer {
  id: string;
  token: string;
}
let admin: string;
let productId: string;
let alice: Customer; // o1 (big, paid), o2 (paid), o3 (declined)
let bob: Customer; // o4 (payment stuck), o5 (paid, for the reset)
let carol: Customer; // o6, o7 (paid: the fraud case)
const o: Record<string, string> = {};

const handle = (orderId: string) => stack.api.temporal.workflow.getHandle(orderWorkflowId(orderId));
const orderOf = async (c: Customer, orderId: string) =>
  (await stack.request('GET', `/api/orders/${orderId}`, { token: c.token })).body;
const status = async (orderId: string) =>
  (await handle(orderId).describe()).typedSearchAttributes.get(OrderStatusSearchAttribute);
async function place(c: Customer, quantity: number, paymentMethod = 'pm_card_visa'): Promise<string> {
  const res = await stack.request('POST', '/api/orders', {
    token: c.token,
    body: { items: [{ productId, quantity }], paymentMethod },
  });
  if (res.status !== 201) throw new Error(`order refused: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}
/** Waits until the visibility store (what `workflow list` reads) shows the order in `expected`. */
const visible = (orderId: string, expected: string) =>
  eventually(async () => {
    for await (const wf of stack.api.temporal.workflow.list({
      query: `WorkflowId='${orderWorkflowId(orderId)}' AND OrderStatus='${expected}'`,
    }))
      return wf;
    return undefined;
  }, `order ${orderId} listed as ${expected}`);
async function chargeAttempt(orderId: string) {
  const pending = (await handle(orderId).describe()).raw.pendingActivities ?? [];
  return pending.find((a) => a.activityType?.name === 'chargePayment');
}

beforeAll(async () => {
  const env = testEnv();
  server = await startDevServer({ cli: env.cli, port: await freePort(), headless: true });
  runbook = runbookRunner({
    blocks,
    cli: env.cli,
    address: server.address,
    namespace: 'default',
    workdirPrefix: 'runbook-',
  });
  // A long payment deadline: the stuck payment stays PENDING for the whole file.
  stack = await startStack({
    env: { TEMPORAL_ADDRESS: server.address, ORDER_PAYMENT_TIMEOUT_MS: String(30 * 60_000) },
  });

  admin = await stack.adminToken();
  const product = await stack.request('POST', '/api/products', {
    token: admin,
    body: {
      name: `Runbook kettle ${randomUUID().slice(0, 8)}`,
      description: 'for the runbook',
      priceCents: 5999,
      stock: 500,
    },
  });
  expect(product.status).toBe(201);
  productId = product.body.id;
  alice = await stack.customer('Alice');
  bob = await stack.customer('Bob');
  carol = await stack.customer('Carol');

  o.o1 = await place(alice, 2); // 119.98: over 100.00
  o.o2 = await place(alice, 1);
  o.o3 = await place(alice, 1, 'pm_card_chargeDeclined');
  o.o4 = await place(bob, 1, 'pm_card_unavailable');
  o.o5 = await place(bob, 1);
  o.o6 = await place(carol, 1);
  o.o7 = await place(carol, 1);
  for (const k of ['o1', 'o2', 'o5', 'o6', 'o7']) await visible(o[k], 'PAID');
  await visible(o.o3, 'FAILED');
  await visible(o.o4, 'PENDING');
  await eventually(
    async () => ((await chargeAttempt(o.o4))?.attempt ?? 0) >= 2 || undefined,
    'the stuck charge to retry',
  );
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await server?.stop();
});

describe('docs/operations.md', () => {
  it('keeps every temporal command in a runnable block, and gives each one a tctl equivalent', () => {
    expect(blocks.length).toBeGreaterThan(10);
    for (const b of fencedBlocks) {
      if (isRunnable(b.info)) continue;
      expect([b.info, /(^|[\s|;&(])temporal\s/m.test(b.code)]).toEqual([b.info, false]);
    }
    expect(runbookMarkdown).toMatch(/tctl. is end-of-life/);
    const tctlTable = runbookMarkdown.slice(runbookMarkdown.indexOf('## tctl equivalents'));
    for (const id of [...blockIds, ...clusterBlocks]) expect([id, tctlTable.includes(`| ${id} |`)]).toEqual([id, true]);
  });
});

describe('finding an order', () => {
  it('by ID, by customer, by status, and counts and totals', async () => {
    const described = await ok('find-by-id', { ORDER_ID: o.o1 });
    expect(described).toContain(orderWorkflowId(o.o1));
    expect(described).toContain('placeOrder');
    expect(described).toContain('PAID');
    expect(described).toMatch(/StaticSummary\s+"Order /);

    const mine = await ok('find-by-customer', { CUSTOMER_ID: alice.id });
    for (const k of ['o1', 'o2', 'o3']) expect([k, mine.includes(o[k])]).toEqual([k, true]);
    for (const k of ['o4', 'o5', 'o6']) expect([k, mine.includes(o[k])]).toEqual([k, false]);

    const paid = await ok('find-by-status');
    for (const k of ['o1', 'o2', 'o5', 'o6', 'o7']) expect([k, paid.includes(o[k])]).toEqual([k, true]);
    for (const k of ['o3', 'o4']) expect([k, paid.includes(o[k])]).toEqual([k, false]);

    const counted = await ok('count-by-status');
    expect(counted).toMatch(/Total: 1\b/); // o4 waits for payment
    expect(counted).toContain(o.o1); // 11998 cents
    expect(counted).not.toContain(o.o2); // 5999 cents
  });
});

describe("reading an order's history", () => {
  it('shows what it is doing, the order as the workflow holds it, and the event history (also as a JSON file)', async () => {
    const progress = await ok('read-progress', { ORDER_ID: o.o1 });
    expect(progress).toMatch(/Current Details:[\s\S]*PAID/);
    expect(progress).toContain(`"id":"${o.o1}"`);
    expect(progress).toContain('"status":"PAID"');

    const history = await ok('read-history', { ORDER_ID: o.o1 });
    for (const event of [
      'WorkflowExecutionStarted',
      'WorkflowExecutionUpdateAccepted',
      'ActivityTaskCompleted',
      'UpsertWorkflowSearchAttributes',
    ])
      expect(history).toContain(event);
    const file = path.join(runbook.workdir, `order-${o.o1}.history.json`);
    expect(existsSync(file)).toBe(true);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(json.events.length).toBeGreaterThan(10);
    expect(json.events[0].eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
  });
});

describe('cancelling or shipping an order', () => {
  it('ships a paid order with the shipOrder update; a shipped order can no longer be cancelled', async () => {
    expect(await ok('ship-order', { ORDER_ID: o.o1 })).toContain('SHIPPED');
    expect((await orderOf(alice, o.o1)).status).toBe('SHIPPED');
    await handle(o.o1).result();
    const refused = await run('cancel-order', { ORDER_ID: o.o1 });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('workflow execution already completed');
  });

  it('cancels a paid order with the cancelOrder update: refunded, stock back, e-mailed, and the API agrees', async () => {
    const out = await ok('cancel-order', { ORDER_ID: o.o2 });
    expect(out).toContain('CANCELLED');
    const order = await orderOf(alice, o.o2);
    expect(order.status).toBe('CANCELLED');
    expect(order.payment).toMatchObject({ status: 'REFUNDED', refundId: expect.any(String) });
    await stack.smtp.waitFor((m) => m.header('Message-ID') === `<order-cancelled:${o.o2}@temporal-shop>`);
  });
});

describe('retrying a stuck payment', () => {
  const state = temporal.api.enums.v1.PendingActivityState;

  it('finds it, shows the failing charge, pauses it, resumes and retries it (one order and as a batch), then cancels the order', async () => {
    const found = await ok('find-stuck-payments', { ORDER_ID: o.o4 });
    expect(found).toContain(orderWorkflowId(o.o4));
    expect(found).toContain('chargePayment');
    expect(found).toContain('PaymentProviderUnavailable');

    await ok('pause-payment', { ORDER_ID: o.o4 });
    await eventually(
      async () => ((await chargeAttempt(o.o4))?.state === state.PENDING_ACTIVITY_STATE_PAUSED ? true : undefined),
      'charge paused',
    );

    await ok('resume-payment', { ORDER_ID: o.o4 });
    const resumed = await eventually(async () => {
      const a = await chargeAttempt(o.o4);
      return a && a.state !== state.PENDING_ACTIVITY_STATE_PAUSED ? a : undefined;
    }, 'charge unpaused');
    expect(resumed.attempt).toBeLessThanOrEqual(2);

    // Let it fail a few more times, then retry now with fresh attempts.
    await eventually(
      async () => (((await chargeAttempt(o.o4))?.attempt ?? 0) >= 3 ? true : undefined),
      'more failed attempts',
    );
    await ok('retry-payment', { ORDER_ID: o.o4 });
    await eventually(
      async () => (((await chargeAttempt(o.o4))?.attempt ?? 99) <= 2 ? true : undefined),
      'attempts reset',
    );

    await eventually(
      async () => (((await chargeAttempt(o.o4))?.attempt ?? 0) >= 3 ? true : undefined),
      'more failed attempts',
    );
    expect(await ok('retry-all-payments')).toMatch(/Started batch for job ID: [0-9a-f-]{36}/);
    await eventually(
      async () => (((await chargeAttempt(o.o4))?.attempt ?? 99) <= 2 ? true : undefined),
      'attempts reset by the batch',
    );
    expect(await status(o.o4)).toBe('PENDING');

    // The customer gives up: cancel, which interrupts the charge; nothing was captured.
    expect(await ok('cancel-order', { ORDER_ID: o.o4 })).toContain('CANCELLED');
    expect((await orderOf(bob, o.o4)).payment).toEqual({ status: 'CANCELLED' });
  });
});

describe('resetting a workflow', () => {
  it('starts a new run of the order from its last workflow task, which then ships normally', async () => {
    const before = (await handle(o.o5).describe()).runId;
    await ok('reset-order', { ORDER_ID: o.o5 });
    // The new run re-runs the reset point's workflow task (the PAID write and e-mail hand-off,
    // both idempotent) and publishes PAID again.
    const after = await eventually(async () => {
      const d = await handle(o.o5).describe();
      return d.runId !== before &&
        d.status.name === 'RUNNING' &&
        d.typedSearchAttributes.get(OrderStatusSearchAttribute) === 'PAID'
        ? d
        : undefined;
    }, 'a new run, PAID');
    expect(after.runId).not.toBe(before);
    await new Promise((r) => setTimeout(r, 300));
    const sent = stack.smtp.messages.filter((m) => m.header('Subject') === `Order ${o.o5} confirmed`);
    expect(sent).toHaveLength(1);
    const shipped = await stack.request('PUT', `/api/orders/${o.o5}/ship`, { token: admin });
    expect([shipped.status, shipped.body.status]).toEqual([200, 'SHIPPED']);
  });
});

describe('batch operations by query', () => {
  it('resets every open paid order as a batch job, which batch list and describe follow', async () => {
    const runIds = async () => Promise.all([o.o6, o.o7].map(async (id) => (await handle(id).describe()).runId));
    const before = await runIds();
    const started = await ok('batch-reset');
    const jobId = /Started batch for job ID: ([0-9a-f-]{36})/.exec(started)?.[1];
    expect(jobId).toBeDefined();
    const described = await eventually(async () => {
      const out = await ok('batch-status', { JOB_ID: jobId! });
      return /State\s+Completed/.test(out) ? out : undefined;
    }, 'the batch job to complete');
    expect(described).toContain(jobId);
    expect(described).toMatch(/CompletedCount\s+2\/2/);
    const after = await runIds();
    expect(after.map((r, i) => r !== before[i])).toEqual([true, true]);
  });

  it('cancels every open order of one customer with a loop of updates', async () => {
    const out = await ok('cancel-many', { CUSTOMER_ID: carol.id });
    expect(out.match(/UpdateID\s+cancel/g)?.length).toBe(2);
    for (const id of [o.o6, o.o7]) expect((await orderOf(carol, id)).status).toBe('CANCELLED');
    // Other customers' orders are untouched.
    expect((await orderOf(bob, o.o5)).status).toBe('SHIPPED');
  });
});

describe('task-queue backlogs', () => {
  it('describes the pollers and backlog of every pool', async () => {
    const out = await ok('task-queue-backlog');
    expect(out.match(/Task Queue Statistics:/g)?.length).toBe(4);
    expect(out.match(/ApproximateBacklogCount/g)?.length).toBe(4);
    expect(out.match(/Pollers:/g)?.length).toBe(4);
  });
});

describe('finding abandoned carts', () => {
  it('lists the open carts that hold something, and shows one cart as the workflow holds it', async () => {
    const dave = await stack.customer('Dave');
    const erin = await stack.customer('Erin');
    const put = (c: Customer, quantity: number) =>
      stack.request('PUT', `/api/cart/items/${productId}`, { token: c.token, body: { quantity } });
    expect((await put(dave, 2)).status).toBe(200);
    expect((await put(erin, 1)).status).toBe(200);
    expect((await stack.request('DELETE', '/api/cart', { token: erin.token })).status).toBe(200);
    await eventually(async () => {
      for await (const wf of stack.api.temporal.workflow.list({
        query: `WorkflowId='${cartWorkflowId(erin.id)}' AND CartItemCount = 0`,
      }))
        return wf;
      return undefined;
    }, 'the cleared cart listed as empty');
    await eventually(async () => {
      for await (const wf of stack.api.temporal.workflow.list({
        query: `WorkflowId='${cartWorkflowId(dave.id)}' AND CartItemCount = 1`,
      }))
        return wf;
      return undefined;
    }, 'the cart listed with its line');

    const out = await ok('find-abandoned-carts', { CUSTOMER_ID: dave.id });
    expect(out).toContain(cartWorkflowId(dave.id));
    expect(out).not.toContain(cartWorkflowId(erin.id));
    expect(out).toContain(`"lines":[{"productId":"${productId}","quantity":2}]`);
  });
});

describe('coverage', () => {
  it('ran every runnable block of the runbook', () => {
    expect([...runbook.executed].sort()).toEqual([...blockIds].sort());
  });
});
