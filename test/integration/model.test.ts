// Model-based property test of the shop (issue 7, item 3): random sequences of operations
// (products created, restocked and deleted; orders placed with good and declined cards, with
// and without an Idempotency-Key and repeated with it; cancelled and shipped by owners, other
// customers and admins; orders and products read, through the cache and around it; carts changed,
// cleared, read, filled to their line limit and checked out, with and without an
// Idempotency-Key and repeated with it) run against the real gateway and worker pools, and every
// answer is checked against a simple model of the shop (test/support/shop-model.ts: exact
// stock, order statuses, the first answer to each Idempotency-Key, each cart's lines priced as
// the catalog has them, a checkout's order, the cart emptied only on acceptance, a refusal
// leaving it unchanged). Each sequence ends with a reconciliation (every order as modelled,
// every stock exact in the database, every cart as modelled). The property: 0 responses >= 500,
// every error problem+json, 0 model violations. Bounded by a number of sequences and a time limit. A negative control
// runs the same commands against a deliberately wrong model and must fail.
//
// Within a sequence the commands run one at a time, so the model can be exact. Sequences never
// share products or orders, so a few of them run side by side ("lanes", each its own fast-check
// run with its own seed): more requests in the time, and orders of different sequences
// interleave on the shop as they would in production. Each lane has customers of its own (a
// cart is a customer's), whose carts it empties before each sequence; the filler products that
// take a cart to its line limit are shared (never ordered, never changed).
//
// Knobs: MODEL_RUNS (sequences in all, default 120), MODEL_COMMANDS (max commands per sequence,
// 40), MODEL_LANES (4), MODEL_TIME_LIMIT_MS (70000: no sequence starts later), MODEL_SHRINK_MS
// (60000: more time to shrink a violation), MODEL_POLL_TIMEOUT_MS (bound on waiting for a
// payment to settle, 30000). To replay a reported failure: MODEL_LANES=1 MODEL_SEED=<seed>
// MODEL_PATH=<path> MODEL_REPLAY_PATH=<replayPath> (all printed with the counterexample).
import fc from 'fast-check';
import { CART_LIMITS } from '../../workflows/carts/contract';
import { createProduct } from '../support/orders-fixtures';
import {
  CreateProduct,
  type Customer,
  type FillerProduct,
  type ModelFlaws,
  ModelViolation,
  type ShopModel,
  type ShopReal,
  type Tally,
  newModel,
  newTally,
  reconcile,
  resetCarts,
  shopCommands,
} from '../support/shop-model';
import { type Stack, startStack } from '../support/stack';

const RUNS = Number(process.env.MODEL_RUNS ?? 120);
const MAX_COMMANDS = Number(process.env.MODEL_COMMANDS ?? 40);
const LANES = Math.max(1, Number(process.env.MODEL_LANES ?? 4));
const TIME_LIMIT_MS = Number(process.env.MODEL_TIME_LIMIT_MS ?? 70_000);
const POLL_TIMEOUT_MS = Number(process.env.MODEL_POLL_TIMEOUT_MS ?? 30_000);
const SHRINK_MS = Number(process.env.MODEL_SHRINK_MS ?? 60_000);
const SEED = process.env.MODEL_SEED === undefined ? undefined : Number(process.env.MODEL_SEED);
const PATH = process.env.MODEL_PATH;
const REPLAY_PATH = process.env.MODEL_REPLAY_PATH;

let stack: Stack;
let admin: string;
/** Three customers per lane. */
let laneCustomers: Customer[][];
/** Per lane's customers: the carts touched so far (they outlive a run of the property too). */
let laneCarts: Set<number>[];
let fillers: FillerProduct[];

beforeAll(
  async () => {
    stack = await startStack();
    admin = await stack.adminToken();
    laneCustomers = [];
    laneCarts = [];
    for (let lane = 0; lane < LANES; lane++) {
      const customers: Customer[] = [];
      for (const name of ['Ada', 'Brian', 'Chloe']) customers.push(await stack.customer(`${name} ${lane}`));
      laneCustomers.push(customers);
      laneCarts.push(new Set());
    }
    fillers = [];
    for (let i = 0; i <= CART_LIMITS.maxLines; i++) {
      const p = await createProduct(stack, { stock: 1_000_000, priceCents: 1 + i, name: `Model filler ${i}` });
      fillers.push({ id: p.id, name: p.name, priceCents: p.priceCents });
    }
  },
  60_000 + LANES * 5_000,
);
afterAll(async () => {
  await stack?.stop();
});

type Details = fc.RunDetails<[[number, number][], boolean, Iterable<fc.AsyncCommand<ShopModel, ShopReal, false>>]>;

interface Lane {
  details?: Details;
  customers: Customer[];
  /** Carts the lane's sequences have touched: emptied before the next one. */
  cartsTouched: Set<number>;
  /**
   * No new sequence starts after this, and commands stop being chosen (check() is false), so a
   * sequence in progress winds down at once. Pushed back once when a violation is found, to
   * leave time for shrinking it.
   */
  stopAt: number;
  /** fast-check's interruptAfterTimeLimit: a sequence still running then is abandoned by it. */
  hardStopAt: number;
  /** Runs fast-check still asked for after stopAt: answered at once, not counted as sequences. */
  idle: number;
  violations: number;
  /** The sequence in progress: fast-check's hard time limit abandons it, so we wait for it ourselves. */
  inflight?: Promise<void>;
  /** A violation found by a sequence the hard time limit had already abandoned. */
  lateFailure?: unknown;
}

interface Exploration {
  tally: Tally;
  reconciled: number;
  lanes: Lane[];
  seconds: number;
}

/** The property: a random command sequence, then a reconciliation, all agreeing with the model. */
function modelProperty(
  x: Exploration,
  lane: Lane,
  flaws: ModelFlaws,
  maxCommands: number,
  shrinkMs: number,
  fillCarts: boolean,
) {
  // Every sequence starts with one or two products of its own (so that its commands have
  // something to act on from the start); CreateProduct may add more.
  const initialProducts = fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 9999 })), {
    minLength: 1,
    maxLength: 2,
  });
  const commands = fc.commands(shopCommands(), {
    maxCommands,
    size: 'max',
    ...(REPLAY_PATH ? { replayPath: REPLAY_PATH } : {}),
  });
  // One sequence in four may take a cart to its line limit (FillCart: ~100 requests).
  const mayFillCart = fc.nat({ max: 3 }).map((n) => n === 0);
  return fc.asyncProperty(initialProducts, mayFillCart, commands, (initial, fill, cmds) => {
    if (Date.now() >= lane.stopAt) {
      lane.idle++;
      return Promise.resolve();
    }
    const sequence = (async () => {
      const real: ShopReal = {
        stack,
        admin,
        customers: lane.customers,
        tally: x.tally,
        trace: [],
        pollTimeoutMs: POLL_TIMEOUT_MS,
        fillers,
        cartsTouched: lane.cartsTouched,
      };
      const model = newModel(flaws, lane.stopAt, fill && fillCarts);
      x.tally.sequences++;
      try {
        await resetCarts(real);
        for (const [stock, priceCents] of initial) await new CreateProduct(stock, priceCents).run(model, real);
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        await reconcile(model, real);
        x.reconciled++;
      } catch (err) {
        x.tally.violations++;
        if (lane.violations++ === 0) lane.stopAt = Math.max(lane.stopAt, Date.now() + shrinkMs);
        if (Date.now() >= lane.hardStopAt) lane.lateFailure ??= err;
        throw err;
      }
    })();
    lane.inflight = sequence.catch(() => undefined);
    return sequence;
  });
}

/**
 * Runs `runs` sequences over `lanes` concurrent fast-check runs. New sequences stop at the time
 * limit; a lane that found a violation gets `shrinkMs` more to shrink it (fast-check's
 * interruptAfterTimeLimit is the hard bound on both).
 */
async function explore(opts: {
  lanes: number;
  runs: number;
  maxCommands: number;
  timeLimitMs: number;
  shrinkMs: number;
  flaws: ModelFlaws;
  seed: number;
  endOnFailure?: boolean;
  path?: string;
  /** Whether a sequence drawn for it may take a cart to its line limit (default true). */
  fillCarts?: boolean;
}): Promise<Exploration> {
  const startedAt = Date.now();
  const x: Exploration = { tally: newTally(), reconciled: 0, lanes: [], seconds: 0 };
  await Promise.all(
    Array.from({ length: opts.lanes }, async (_, i) => {
      const lane: Lane = {
        customers: laneCustomers[i % laneCustomers.length],
        cartsTouched: laneCarts[i % laneCarts.length],
        stopAt: startedAt + opts.timeLimitMs,
        hardStopAt: startedAt + opts.timeLimitMs + opts.shrinkMs,
        idle: 0,
        violations: 0,
      };
      x.lanes.push(lane);
      lane.details = await fc.check(
        modelProperty(x, lane, opts.flaws, opts.maxCommands, opts.shrinkMs, opts.fillCarts ?? true),
        {
          numRuns: Math.ceil(opts.runs / opts.lanes),
          seed: opts.seed + i,
          interruptAfterTimeLimit: opts.timeLimitMs + opts.shrinkMs,
          endOnFailure: opts.endOnFailure ?? false,
          ...(opts.path ? { path: opts.path } : {}),
        },
      );
      await lane.inflight;
    }),
  );
  x.seconds = (Date.now() - startedAt) / 1000;
  return x;
}

function summary(label: string, x: Exploration): string {
  const t = x.tally;
  const fmt = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([k, v]) => `${k}:${v}`)
      .join(' ');
  const seeds = x.lanes
    .map((l) => `${l.details?.seed}${l.details?.interrupted || l.idle ? ' (time limit)' : ''}`)
    .join(', ');
  return (
    `${label}: ${t.sequences} sequences, ${t.requests} requests, ${t.violations} violations ` +
    `(${x.reconciled} sequences reconciled, ${t.commands} commands, ${t.fiveHundreds} responses >= 500, ${x.seconds.toFixed(1)} s, ${x.lanes.length} lane(s), seeds ${seeds})\n` +
    `  HTTP statuses ${fmt(t.statuses)} · order placements ${fmt(t.orderOutcomes)} · product reads X-Cache ${fmt(t.xCache)}\n` +
    `  events ${Object.entries(t.events)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k} ×${v}`)
      .join(' · ')}\n` +
    `  mean latency ${Object.entries(t.latency)
      .map(([route, { n, ms }]) => `${route} ${(ms / n).toFixed(0)} ms ×${n}`)
      .join(' · ')}`
  );
}

const randomSeed = () => Math.floor(Math.random() * 0x7fffffff) - LANES;

it(
  'random sequences of operations agree with the model of the shop: 0 responses >= 500, 0 model violations',
  async () => {
    const x = await explore({
      lanes: LANES,
      runs: RUNS,
      maxCommands: MAX_COMMANDS,
      timeLimitMs: TIME_LIMIT_MS,
      shrinkMs: SHRINK_MS,
      flaws: {},
      seed: SEED ?? randomSeed(),
      path: PATH,
    });
    console.log(summary('model', x));
    for (const lane of x.lanes) {
      const d = lane.details!;
      if (d.failed)
        throw new Error(
          `${fc.defaultReportMessage(d)}\n\nThe violation (of the counterexample as last run):\n${(d.errorInstance as Error | undefined)?.message ?? String(d.errorInstance)}`,
        );
      if (lane.lateFailure) throw lane.lateFailure;
    }
    expect(x.tally.fiveHundreds).toBe(0);
    expect(x.tally.violations).toBe(0);
    expect(x.reconciled).toBeGreaterThan(0);
  },
  TIME_LIMIT_MS + SHRINK_MS + 2 * POLL_TIMEOUT_MS + 30_000,
);

it('negative control: the same commands against a model that forgets to restock on cancel are caught', async () => {
  // Short sequences, one lane, a fixed seed; stop at the first failure (no shrinking needed).
  // No cart filling: its ~100 requests have nothing to do with the flaw, and on a busy machine
  // they spent the whole time limit before any cancel (caught nothing in a CI run).
  const x = await explore({
    fillCarts: false,
    lanes: 1,
    runs: 40,
    maxCommands: 15,
    timeLimitMs: 80_000, // it ends at the first catch: the limit matters only on a busy machine
    shrinkMs: 0,
    flaws: { forgetStockOnCancel: true },
    seed: 7,
    endOnFailure: true,
  });
  console.log(summary('model negative control', x));
  const details = x.lanes[0].details!;
  expect(details.failed).toBe(true);
  // Caught as a model violation about stock, not as a 5xx or a crash.
  expect(details.errorInstance).toBeInstanceOf(ModelViolation);
  expect((details.errorInstance as Error).message).toMatch(/stock/i);
  expect(x.tally.fiveHundreds).toBe(0);
  console.log(
    `model negative control: caught after ${details.numRuns} sequence(s): ${(details.errorInstance as Error).message.split('\n')[0]}`,
  );
}, 150_000);
