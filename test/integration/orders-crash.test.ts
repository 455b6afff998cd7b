// A worker process killed (SIGKILL) while a charge is in flight, then restarted: the order
// completes, with exactly one charge. The orders pool runs in a child process (the real
// `workers/main.ts orders`); everything else runs in the test's stack.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../scripts/dev-server';
import {
  createProduct,
  eventually,
  oneOf,
  orderHandle,
  paymentsOf,
  placeOrder,
  waitForStatus,
} from '../support/orders-fixtures';
import { type Stack, startStack } from '../support/stack';
import { shopEnv, testEnv } from '../support/test-env';

const root = path.resolve(__dirname, '..', '..');
/** temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT */
const TIMEOUT_TYPE_HEARTBEAT = 4;
let stack: Stack;
const children: ChildProcess[] = [];

async function startOrdersWorker(): Promise<ChildProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts', 'orders'], {
    cwd: root,
    env: shopEnv(testEnv(), { WORKER_HTTP_PORT: String(port), SMTP_URL: stack.config.SMTP_URL ?? '' }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  children.push(child);
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`orders worker exited early (${child.exitCode}): ${stderr}`);
      try {
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
      } catch {
        return false;
      }
    },
    60_000,
    'the orders worker process to be ready',
  );
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );

beforeAll(async () => {
  stack = await startStack({ domains: ['users', 'catalog', 'notifications'] });
}, 60_000);
afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited(child);
  }
  await stack?.stop();
});

it('completes an order with exactly one charge after its worker is SIGKILLed mid-charge and restarted', async () => {
  const c = await stack.customer();
  const p = await createProduct(stack, { stock: 1 });
  const first = await startOrdersWorker();

  // pm_card_slow: the provider captures at once and answers 5 s later.
  const placed = await placeOrder(stack, c.token, oneOf(p.id, 1, 'pm_card_slow'));
  expect(placed.status).toBe(201);
  const charge = await eventually(
    async () => (await paymentsOf(stack, placed.body.id)).find((x) => x.kind === 'charge'),
    15_000,
    'the capture',
  );
  first.kill('SIGKILL');
  const killedAt = Date.now();
  await exited(first);
  expect(first.signalCode).toBe('SIGKILL');
  expect((await stack.request('GET', `/api/orders/${placed.body.id}`, { token: c.token })).body.status).toBe('PENDING');

  await startOrdersWorker();
  const paid = await waitForStatus(stack, c.token, placed.body.id, 'PAID', 90_000);
  const recoveryMs = Date.now() - killedAt;

  const payments = await paymentsOf(stack, placed.body.id);
  const history = await orderHandle(stack, placed.body.id).fetchHistory();
  const chargeStarts = history.events!.filter(
    (e) =>
      e.activityTaskStartedEventAttributes &&
      history.events!.find((s) => Number(s.eventId) === Number(e.activityTaskStartedEventAttributes!.scheduledEventId))
        ?.activityTaskScheduledEventAttributes?.activityType?.name === 'chargePayment',
  );
  const figures = {
    charges: payments.filter((x) => x.kind === 'charge').length,
    refunds: payments.filter((x) => x.kind === 'refund').length,
    chargeAttempt: chargeStarts[0]?.activityTaskStartedEventAttributes?.attempt,
    lastFailure:
      chargeStarts[0]?.activityTaskStartedEventAttributes?.lastFailure?.timeoutFailureInfo?.timeoutType ===
      TIMEOUT_TYPE_HEARTBEAT
        ? 'heartbeat timeout'
        : chargeStarts[0]?.activityTaskStartedEventAttributes?.lastFailure?.message,
    recoveryMs,
  };
  console.log('crash figures', JSON.stringify(figures));
  expect(figures).toMatchObject({ charges: 1, refunds: 0, chargeAttempt: 2, lastFailure: 'heartbeat timeout' });
  expect(paid.payment).toEqual({ status: 'SUCCEEDED', chargeId: charge.id });

  await stack.smtp.waitFor(
    (m) => m.to.includes(c.email) && m.header('Subject') === `Order ${placed.body.id} confirmed`,
  );
  const ship = await stack.request('PUT', `/api/orders/${placed.body.id}/ship`, { token: await stack.adminToken() });
  expect(ship.body.status).toBe('SHIPPED');
}, 180_000);
