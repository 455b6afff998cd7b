// Replay: the committed placeOrder histories (test/replay/histories, one per path through the
// workflow) must replay against the current workflow code. A failure here means the code changed
// in a way that would break orders already running (an order can wait weeks for shipment):
// guard the change with patched() instead. Regenerate the histories only for new code paths
// (test/replay/capture-order-histories.ts). The negative control proves the check can fail.
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
import { testEnv } from '../support/test-env';

const HISTORIES_DIR = path.resolve(__dirname, '..', 'replay', 'histories');
const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never;

// Quiet: the negative control makes the SDK log every nondeterminism it (rightly) finds.
beforeAll(() => {
  Runtime.install({
    logger: new DefaultLogger('ERROR', () => undefined),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }) },
    },
  });
});

const histories = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({
    workflowId: `replay-${path.basename(f, '.json')}`,
    history: historyFromJson(JSON.parse(readFileSync(path.join(HISTORIES_DIR, f), 'utf8'))),
  }));
const PATHS = [
  'cancelled-after-payment',
  'cancelled-mid-charge',
  'declined',
  'operator-cancel',
  'paid-shipped',
  'payment-timeout',
  'rejected-out-of-stock',
];

async function replayAll(options: ReplayWorkerOptions): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  for await (const r of Worker.runReplayHistories(options, histories)) results[r.workflowId] = r.error ?? 'ok';
  return results;
}

const allOk = () => Object.fromEntries(histories.map((h) => [h.workflowId, 'ok']));

it('has a committed history for every path: paid and shipped, declined, cancelled (after payment, mid-charge, timed out, by an operator), rejected', () => {
  expect(histories.map((h) => h.workflowId)).toEqual(PATHS.map((p) => `replay-${p}`));
  for (const { history } of histories) {
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    expect(started?.workflowType?.name).toBe('placeOrder');
    expect(history.events?.[history.events.length - 1]?.workflowExecutionCompletedEventAttributes).toBeTruthy();
  }
});

it('replays every history against the workers’ prebuilt orders bundle', async () => {
  const codePath = path.join(testEnv().bundleDir, 'orders.js');
  expect(await replayAll({ workflowBundle: { codePath }, logger: silent } as ReplayWorkerOptions)).toEqual(allOk());
}, 60_000);

describe('bundled here from source', () => {
  it('replays the current workflow source (the control for the negative control below)', async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows/orders'),
      logger: silent,
    });
    expect(await replayAll({ workflowBundle: { code }, logger: silent } as ReplayWorkerOptions)).toEqual(allOk());
  }, 60_000);

  it('fails with a DeterminismViolationError for an incompatible change (negative control)', async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../replay/negative/place-order-altered.workflow'),
      logger: silent,
    });
    const results = await replayAll({ workflowBundle: { code }, logger: silent } as ReplayWorkerOptions);
    expect(Object.keys(results)).toHaveLength(histories.length);
    for (const [workflowId, error] of Object.entries(results)) {
      expect([workflowId, error instanceof DeterminismViolationError]).toEqual([workflowId, true]);
    }
  }, 60_000);
});
