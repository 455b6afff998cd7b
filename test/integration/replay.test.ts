// Replay: the committed placeOrder histories (test/replay/histories, one per path through the
// workflow) must replay against the current workflow code. A failure here means the code changed
// in a way that would break orders already running (an order can wait weeks for shipment):
// guard the change with patched() instead. Capture histories only for new code paths
// (test/replay/capture-order-histories.ts); the older ones record runs begun before a patch and
// are kept as they are. The negative controls prove the check can fail: an incompatible workflow
// change, and fenced histories edited to record what the current code would not have done.
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
import { type HistoryJson, patchIdOf, withoutActivity, withoutPatchMarker } from '../replay/negative/edited-histories';
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

const jsons = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({
    workflowId: `replay-${path.basename(f, '.json')}`,
    json: JSON.parse(readFileSync(path.join(HISTORIES_DIR, f), 'utf8')) as HistoryJson,
  }));
const histories = jsons.map(({ workflowId, json }) => ({ workflowId, history: historyFromJson(json) }));
const jsonOf = (name: string) => jsons.find((j) => j.workflowId === `replay-${name}`)!.json;

/** What a history shows of its path: the facts that tell the paths apart. */
interface PathFacts {
  /** The run recorded the 'fenced-intake' patch (begun after it shipped). */
  fenced: boolean;
  /** The run recorded the 'integration-events' patch (absent: begun before it, publishes nothing). */
  events?: true;
  /** The run recorded 'checkout-expired-not-final' (a CheckoutExpired refusal fails the run). */
  expiredNotFinal?: true;
  /** Child workflows started (a rejected order's publishIntegrationEvent), when any. */
  children?: string[];
  /** Absent: refused before intake (CheckoutExpired: its start came after the checkout's placeBy). */
  intake?: 'priced' | 'refused' | 'timed out';
  /** Ordinary activities (the order-row writes are local unless they fell back), in schedule order. */
  activities: string[];
  updates: string[];
  /** How the charge closed (succeeded, cancelled or the failure type) and the attempt that closed it. */
  charge?: { outcome: string; attempt: number };
  /** A Temporal cancellation request: the activities in flight when it came. */
  operatorCancelDuring?: string[];
  closed: 'completed' | 'failed';
}

function factsOf({ events }: HistoryJson): PathFacts {
  const facts: Partial<PathFacts> = { fenced: false, activities: [], updates: [] };
  const scheduled = new Map<string, string>();
  const inFlight = new Set<string>();
  let chargeAttempt = 0;
  for (const e of events as Record<string, any>[]) {
    if (patchIdOf(e as never) === 'fenced-intake') facts.fenced = true;
    if (patchIdOf(e as never) === 'integration-events') facts.events = true;
    if (patchIdOf(e as never) === 'checkout-expired-not-final') facts.expiredNotFinal = true;
    const child = e.startChildWorkflowExecutionInitiatedEventAttributes;
    if (child) (facts.children ??= []).push(child.workflowType.name);
    const type = (e.eventType as string).replace('EVENT_TYPE_', '');
    const started = e.activityTaskScheduledEventAttributes;
    if (started) {
      scheduled.set(e.eventId, started.activityType.name);
      inFlight.add(e.eventId);
      facts.activities!.push(started.activityType.name);
    }
    const a = Object.entries(e).find(([k]) => k.startsWith('activityTask') && k.endsWith('EventAttributes'))?.[1];
    const activity = a?.scheduledEventId && scheduled.get(a.scheduledEventId);
    if (activity === 'chargePayment' && type === 'ACTIVITY_TASK_STARTED') chargeAttempt = a.attempt;
    if (activity && type !== 'ACTIVITY_TASK_STARTED' && type !== 'ACTIVITY_TASK_CANCEL_REQUESTED') {
      inFlight.delete(a.scheduledEventId);
      if (activity === 'priceAndReserve')
        facts.intake =
          type === 'ACTIVITY_TASK_COMPLETED' ? 'priced' : type === 'ACTIVITY_TASK_TIMED_OUT' ? 'timed out' : 'refused';
      if (activity === 'chargePayment') {
        const outcome =
          type === 'ACTIVITY_TASK_COMPLETED'
            ? 'succeeded'
            : type === 'ACTIVITY_TASK_CANCELED'
              ? 'cancelled'
              : (a.failure?.cause?.applicationFailureInfo?.type ?? a.failure?.applicationFailureInfo?.type);
        facts.charge = { outcome, attempt: chargeAttempt };
      }
    }
    const update = e.workflowExecutionUpdateAcceptedEventAttributes;
    if (update) facts.updates!.push(update.acceptedRequest.input.name);
    if (e.workflowExecutionCancelRequestedEventAttributes)
      facts.operatorCancelDuring = [...inFlight].map((id) => scheduled.get(id)!);
    if (type === 'WORKFLOW_EXECUTION_COMPLETED') facts.closed = 'completed';
    if (type === 'WORKFLOW_EXECUTION_FAILED') facts.closed = 'failed';
  }
  return facts as PathFacts;
}

const PAID = { intake: 'priced', charge: { outcome: 'succeeded', attempt: 1 } } as const;
const REFUNDED = ['priceAndReserve', 'chargePayment', 'refundPayment', 'releaseStock'];
const CANCELLED = { ...PAID, activities: REFUNDED, closed: 'completed' } as const;

/** Every committed history and the path it must show. */
const PATHS: Record<string, PathFacts> = {
  // Begun before 'fenced-intake'.
  'cancelled-after-payment': { ...CANCELLED, fenced: false, updates: ['submitOrder', 'cancelOrder'] },
  'cancelled-mid-charge': {
    ...CANCELLED,
    fenced: false,
    charge: { outcome: 'cancelled', attempt: 1 },
    updates: ['submitOrder', 'cancelOrder'],
  },
  declined: {
    fenced: false,
    intake: 'priced',
    activities: ['priceAndReserve', 'chargePayment', 'releaseStock'],
    updates: ['submitOrder'],
    charge: { outcome: 'PaymentDeclined', attempt: 1 },
    closed: 'completed',
  },
  'operator-cancel': { ...CANCELLED, fenced: false, updates: ['submitOrder'], operatorCancelDuring: [] },
  'paid-shipped': {
    ...PAID,
    fenced: false,
    activities: ['priceAndReserve', 'chargePayment'],
    updates: ['submitOrder', 'shipOrder'],
    closed: 'completed',
  },
  // The provider's outage outlasts the deadline: the attempt in flight when the scope is cancelled fails.
  'payment-timeout': {
    ...CANCELLED,
    fenced: false,
    charge: { outcome: 'PaymentProviderUnavailable', attempt: 3 },
    updates: ['submitOrder'],
  },
  // Refused before 'fenced-intake': nothing released.
  'rejected-out-of-stock': {
    fenced: false,
    intake: 'refused',
    activities: ['priceAndReserve'],
    updates: ['submitOrder'],
    closed: 'completed',
  },
  // Begun with 'fenced-intake'.
  'rejected-out-of-stock-released': {
    fenced: true,
    intake: 'refused',
    activities: ['priceAndReserve', 'releaseStock'],
    updates: ['submitOrder'],
    closed: 'completed',
  },
  'intake-failed': {
    fenced: true,
    intake: 'timed out',
    activities: ['priceAndReserve', 'releaseStock'],
    updates: ['submitOrder'],
    closed: 'failed',
  },
  'charge-failed': {
    ...CANCELLED,
    fenced: true,
    charge: { outcome: 'PaymentCancelled', attempt: 1 },
    updates: ['submitOrder'],
  },
  'cancel-joined': { ...CANCELLED, fenced: true, updates: ['submitOrder', 'cancelOrder', 'cancelOrder'] },
  'operator-cancel-during-intake': {
    fenced: true,
    intake: 'priced',
    activities: ['priceAndReserve', 'releaseStock'],
    updates: ['submitOrder'],
    operatorCancelDuring: ['priceAndReserve'],
    closed: 'completed',
  },
  'operator-cancel-while-paid': { ...CANCELLED, fenced: true, updates: ['submitOrder'], operatorCancelDuring: [] },
  'flaky-card': {
    ...PAID,
    fenced: true,
    charge: { outcome: 'succeeded', attempt: 4 },
    activities: ['priceAndReserve', 'chargePayment'],
    updates: ['submitOrder', 'shipOrder'],
    closed: 'completed',
  },
  'order-write-fallback': {
    ...PAID,
    fenced: true,
    activities: ['priceAndReserve', 'chargePayment', 'recordTransition'],
    updates: ['submitOrder', 'shipOrder'],
    closed: 'completed',
  },
  // Begun with 'integration-events': each write followed by its publishEvent (not awaited by the
  // next step: the charge is scheduled right after order.accepted's publish).
  'events-paid-shipped': {
    ...PAID,
    fenced: true,
    events: true,
    activities: ['priceAndReserve', 'publishEvent', 'chargePayment', 'publishEvent', 'publishEvent'],
    updates: ['submitOrder', 'shipOrder'],
    closed: 'completed',
  },
  'events-declined': {
    fenced: true,
    events: true,
    intake: 'priced',
    activities: ['priceAndReserve', 'publishEvent', 'chargePayment', 'releaseStock', 'publishEvent'],
    updates: ['submitOrder'],
    charge: { outcome: 'PaymentDeclined', attempt: 1 },
    closed: 'completed',
  },
  'events-cancelled-after-payment': {
    ...CANCELLED,
    fenced: true,
    events: true,
    activities: [
      'priceAndReserve',
      'publishEvent',
      'chargePayment',
      'publishEvent',
      'refundPayment',
      'releaseStock',
      'publishEvent',
    ],
    updates: ['submitOrder', 'cancelOrder'],
  },
  // A refusal's one event goes to a durable child, so the run closes without waiting for the broker.
  'events-rejected-out-of-stock': {
    fenced: true,
    events: true,
    intake: 'refused',
    activities: ['priceAndReserve', 'releaseStock'],
    children: ['publishIntegrationEvent'],
    updates: ['submitOrder'],
    closed: 'completed',
  },
  // A transient intake failure is no final answer (the key may place the order again): no event.
  'events-intake-failed': {
    fenced: true,
    events: true,
    intake: 'timed out',
    activities: ['priceAndReserve', 'releaseStock'],
    updates: ['submitOrder'],
    closed: 'failed',
  },
  // Begun with 'checkout-expired-not-final': a start past the checkout's placeBy is refused before
  // intake, and the run fails (no REJECTED answer for the key, no order.rejected).
  'checkout-expired': {
    fenced: false,
    events: true,
    expiredNotFinal: true,
    activities: [],
    updates: ['submitOrder'],
    closed: 'failed',
  },
};

async function replayAll(options: ReplayWorkerOptions): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  for await (const r of Worker.runReplayHistories(options, histories)) results[r.workflowId] = r.error ?? 'ok';
  return results;
}

const allOk = () => Object.fromEntries(histories.map((h) => [h.workflowId, 'ok']));

it('has a committed history for every path, each showing that path', () => {
  expect(histories.map((h) => h.workflowId.replace(/^replay-/, '')).sort()).toEqual(Object.keys(PATHS).sort());
  for (const { workflowId, json } of jsons) {
    expect(json.events[0]).toMatchObject({
      workflowExecutionStartedEventAttributes: { workflowType: { name: 'placeOrder' } },
    });
    expect([workflowId, factsOf(json)]).toEqual([workflowId, PATHS[workflowId.replace(/^replay-/, '')]]);
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

// The fenced intake branch is load-bearing both ways: a fenced refusal without its release, or a
// fenced history without its patch marker (so the code takes the old branch), must not replay. The
// event the replay stops at shows it diverged where the branches differ, not at a botched edit.
const withoutRelease = (h: HistoryJson) => withoutActivity(h, 'releaseStock');
const unpatched = (h: HistoryJson) => withoutPatchMarker(h, 'fenced-intake');
const withoutEventsPatch = (h: HistoryJson) => withoutPatchMarker(h, 'integration-events');
const withoutPublish = (h: HistoryJson) => withoutActivity(h, 'publishEvent');
const expiredUnpatched = (h: HistoryJson) => withoutPatchMarker(h, 'checkout-expired-not-final');
it.each([
  // The code schedules the release where the history goes on to answer submitOrder.
  ['rejected-out-of-stock-released', 'without its release', withoutRelease, 'WorkflowExecutionUpdateCompleted'],
  ['intake-failed', 'without its release', withoutRelease, 'WorkflowExecutionUpdateCompleted'],
  // Old branch: an out-of-stock refusal releases nothing; a failed intake completes REJECTED.
  ['rejected-out-of-stock-released', 'without its patch marker', unpatched, 'ActivityTaskScheduled'],
  ['intake-failed', 'without its patch marker', unpatched, 'WorkflowExecutionFailed'],
  // 'integration-events' both ways: the old branch publishes nothing where the history schedules
  // order.accepted's publish; the new one publishes where the edited history goes on to the charge.
  [
    'events-paid-shipped',
    'without its events patch marker',
    withoutEventsPatch,
    /Activity type of scheduled event 'publishEvent' does not match activity type of activity command 'chargePayment'/,
  ],
  // Old branch: an expired checkout is a final refusal: it starts order.rejected's child where the
  // history goes on to answer submitOrder and fail the run.
  [
    'checkout-expired',
    'without its patch marker',
    expiredUnpatched,
    /Child workflow machine does not handle this event: HistoryEvent \{ event_id: \d+, .*event_type: WorkflowExecutionUpdateCompleted/,
  ],
  // The code schedules order.accepted's publish (activity 3) where the edited history has the charge (4).
  [
    'events-paid-shipped',
    'without its first publish',
    withoutPublish,
    /Activity id of scheduled event '4' does not match activity id of activity command '3'/,
  ],
])(
  'fails with a DeterminismViolationError for %s %s (negative control)',
  async (name, _how, edit, divergesAt) => {
    const codePath = path.join(testEnv().bundleDir, 'orders.js');
    const edited = [{ workflowId: `edited-${name}`, history: historyFromJson(edit(jsonOf(name))) }];
    const results: unknown[] = [];
    for await (const r of Worker.runReplayHistories(
      { workflowBundle: { codePath }, logger: silent } as ReplayWorkerOptions,
      edited,
    ))
      results.push(r.error);
    expect(results).toHaveLength(1);
    expect(results[0]).toBeInstanceOf(DeterminismViolationError);
    expect(String(results[0])).toMatch(
      divergesAt instanceof RegExp
        ? divergesAt
        : new RegExp(`Nondeterminism error: .*HistoryEvent\\(id: \\d+, ${divergesAt}\\)`),
    );
  },
  60_000,
);
