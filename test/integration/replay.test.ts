// Replay: the committed placeOrder histories (test/replay/histories, one per path through the
// workflow) must replay against the current workflow code. A failure here means the code changed
// in a way that would break orders already running (an order can wait weeks for shipment):
// guard the change with patched() instead. Regenerate the histories only for new code paths
// (scripts/capture-histories.ts). The negative control proves the check can fail.
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
import { ORDER_PATH_V2 } from '../../workflows/orders/contract';

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

// Histories of the current order path, and of the path before ORDER_PATH_V2: orders started
// then may still be open (waiting weeks for shipment) and must finish on the steps they began.
const PRE_V2_DIR = path.join(HISTORIES_DIR, 'pre-order-path-v2');
const load = (dir: string, prefix: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      workflowId: `${prefix}${path.basename(f, '.json')}`,
      history: historyFromJson(JSON.parse(readFileSync(path.join(dir, f), 'utf8'))),
    }));
const current = load(HISTORIES_DIR, 'replay-');
const preV2 = load(PRE_V2_DIR, 'replay-pre-v2-');
const histories = [...current, ...preV2];
const PATHS = [
  'cancelled-after-payment',
  'cancelled-mid-charge',
  'declined',
  'operator-cancel',
  'paid-shipped',
  'payment-timeout',
  'rejected-out-of-stock',
];

/** The patch IDs a history recorded (marker events written by `patched()`). */
const patchesOf = (history: (typeof histories)[number]['history']): string[] =>
  (history.events ?? []).flatMap((e) => {
    const m = e.markerRecordedEventAttributes;
    const id = m?.markerName === 'core_patch' ? m.details?.['patch-data']?.payloads?.[0]?.data : undefined;
    return id ? [String((JSON.parse(Buffer.from(id).toString()) as { id: string }).id)] : [];
  });

async function replayAll(options: ReplayWorkerOptions): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  for await (const r of Worker.runReplayHistories(options, histories)) results[r.workflowId] = r.error ?? 'ok';
  return results;
}

const allOk = () => Object.fromEntries(histories.map((h) => [h.workflowId, 'ok']));

it('has a committed history for every path: paid and shipped, declined, cancelled (after payment, mid-charge, timed out, by an operator), rejected; on the current path and the one before', () => {
  expect(current.map((h) => h.workflowId)).toEqual(PATHS.map((p) => `replay-${p}`));
  expect(preV2.map((h) => h.workflowId)).toEqual(PATHS.map((p) => `replay-pre-v2-${p}`));
  for (const { history } of histories) {
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    expect(started?.workflowType?.name).toBe('placeOrder');
    expect(history.events?.[history.events.length - 1]?.workflowExecutionCompletedEventAttributes).toBeTruthy();
  }
  // The current histories took the v2 path; the older ones did not (so both paths replay here).
  for (const { workflowId, history } of current)
    expect([workflowId, patchesOf(history)]).toEqual([workflowId, [ORDER_PATH_V2]]);
  for (const { workflowId, history } of preV2) expect([workflowId, patchesOf(history)]).toEqual([workflowId, []]);
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
