// Replay for every other workflow type: the committed histories of test/replay/histories/<domain>
// (captured by test/replay/capture-domain-histories.ts; carts by capture-cart-histories.ts) replay
// against each domain's prebuilt bundle. The negative controls replay registerUser and cart
// histories against incompatible variants (one of them specific to the pending checkout: only
// the history that settles one must fail).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import {
  DefaultLogger,
  type ReplayWorkerOptions,
  Runtime,
  Worker,
  bundleWorkflowCode,
  makeTelemetryFilterString,
} from '@temporalio/worker';
import { historyFromJson } from '../replay/history-json';
import { type HistoryJson, withoutPatchMarker } from '../replay/negative/edited-histories';
import { testEnv } from '../support/test-env';

const DIR = path.resolve(__dirname, '..', 'replay', 'histories');
const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never;

beforeAll(() => {
  Runtime.install({
    logger: new DefaultLogger('ERROR', () => undefined),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }) },
    },
  });
});

const load = (domain: string) =>
  readdirSync(path.join(DIR, domain))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      workflowId: `${domain}-${path.basename(f, '.json')}`,
      history: historyFromJson(JSON.parse(readFileSync(path.join(DIR, domain, f), 'utf8'))),
    }));

async function replay(
  options: ReplayWorkerOptions,
  histories: ReturnType<typeof load>,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for await (const r of Worker.runReplayHistories(options, histories)) out[r.workflowId] = r.error ?? 'ok';
  return out;
}

const expected: Record<string, string[]> = {
  users: ['publishIntegrationEvent', 'registerUser'],
  notifications: ['deliverWebhook', 'sendEmail'],
  catalog: ['createProduct', 'deleteProduct', 'publishIntegrationEvent', 'purgeProductCache', 'updateProduct'],
  carts: ['cart'],
};

/** The bundle a domain's workflows ship in, when it is not its own (the cart runs in the orders pool). */
const BUNDLE: Record<string, string> = { carts: 'orders' };

describe.each(Object.keys(expected))('%s', (domain) => {
  const histories = load(domain);

  it('has a committed history for each workflow type', () => {
    const types = new Set(
      histories.map((h) => h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name),
    );
    expect([...types].sort()).toEqual(expected[domain]);
  });

  it('replays every history against the prebuilt bundle', async () => {
    const results = await replay(
      {
        workflowBundle: { codePath: path.join(testEnv().bundleDir, `${BUNDLE[domain] ?? domain}.js`) },
        logger: silent,
      } as ReplayWorkerOptions,
      histories,
    );
    expect(results).toEqual(Object.fromEntries(histories.map((h) => [h.workflowId, 'ok'])));
  }, 60_000);
});

it('detects an incompatible change to registerUser (negative control)', async () => {
  const histories = load('users').filter(
    (h) => h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name === 'registerUser',
  );
  expect(histories.length).toBeGreaterThan(2);
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../replay/negative/register-user-altered.workflow'),
    logger: silent,
  });
  const results = await replay({ workflowBundle: { code }, logger: silent } as ReplayWorkerOptions, histories);
  for (const h of histories)
    expect([h.workflowId, results[h.workflowId] instanceof DeterminismViolationError]).toEqual([h.workflowId, true]);
}, 60_000);

it('detects an incompatible change to the cart (negative control)', async () => {
  const histories = load('carts');
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../replay/negative/cart-altered.workflow'),
    logger: silent,
  });
  const results = await replay({ workflowBundle: { code }, logger: silent } as ReplayWorkerOptions, histories);
  for (const h of histories)
    expect([h.workflowId, results[h.workflowId] instanceof DeterminismViolationError]).toEqual([h.workflowId, true]);
}, 60_000);

it('detects a cart that lets a pending checkout go without looking its order up (negative control)', async () => {
  const histories = load('carts');
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../replay/negative/cart-unsettled.workflow'),
    logger: silent,
  });
  const results = await replay({ workflowBundle: { code }, logger: silent } as ReplayWorkerOptions, histories);
  expect(
    Object.fromEntries(
      histories.map((h) => [h.workflowId, results[h.workflowId] instanceof DeterminismViolationError]),
    ),
  ).toEqual({
    'carts-cart-checkout-reminder-expiry': false,
    'carts-cart-continued-as-new': false,
    'carts-cart-pending-checkout': true,
    'carts-cart-pending-checkout-fenced': true,
    'carts-cart-pending-checkout-token': true,
  });
  expect(results['carts-cart-checkout-reminder-expiry']).toBe('ok');
}, 60_000);

it('detects a tokened cart history replayed without its token patch (negative control)', async () => {
  // Without 'cart-checkout-token' the code draws no token: the recorded release (with the token)
  // matches no pending checkout, so the cart goes on differently from its history.
  const json = JSON.parse(
    readFileSync(path.join(DIR, 'carts', 'cart-pending-checkout-token.json'), 'utf8'),
  ) as HistoryJson;
  const edited = [
    { workflowId: 'edited-token', history: historyFromJson(withoutPatchMarker(json, 'cart-checkout-token')) },
  ];
  const results = await replay(
    {
      workflowBundle: { codePath: path.join(testEnv().bundleDir, 'orders.js') },
      logger: silent,
    } as ReplayWorkerOptions,
    edited,
  );
  expect(results['edited-token']).toBeInstanceOf(DeterminismViolationError);
}, 60_000);
