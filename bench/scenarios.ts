// The benchmark's scenarios, each a step search at constant arrival rates (bench/load.ts):
//  - catalog read: GET /api/products/:id (cache hit) through the gateway vs the bare Koa handler;
//  - order placement end to end (201 PENDING, then PAID) vs the trivial one-activity workflow on
//    the same dev server and vs the same transaction in plain SQL (the direct baseline);
//  - mixed shop load: browse 10 : view order 3 : cart round 2 : place order 1 : cancel 0.2;
//  - checkout (opt-in, --only=checkout): add one unit to the cart and POST /api/cart/checkout, until
//    PAID, side by side with POST /api/orders of the same unit.
// Every step records the CPU of every process of the run (bench/proc.ts).
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import type { BenchEnv, Customer } from './env';
import { type LoadResult, type Op, closedLoop, httpOp, openLoop, searchMaxRate, send, summarise } from './load';
import { type CpuWindow, cpuWindow, netCpuPerOp } from './proc';
import { TRIVIAL_TASK_QUEUE } from './trivial/trivial-worker';
import { type WrkResult, runWrk } from './wrk';

export type Log = (m: string) => void;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const round = (x: number, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

/** A deterministic PRNG (mulberry32), so that every run issues the same operation sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- Catalog read ------------------------------------------------------------------------------

/**
 * gateway: `GET /api/products/:id` through the whole gateway, a cache HIT (200 with the body);
 * notModified: the same request revalidating its copy (If-None-Match with the current ETag: 304,
 * no body; the read model still answers the HIT, the body is not sent); bare: the bare Koa handler.
 */
export type ReadTarget = 'gateway' | 'notModified' | 'bare';

export interface ReadStep extends LoadResult {
  target: ReadTarget;
  /** CPU µs of the server process per successful request. */
  serverCpuUsPerReq: number;
  /** Busy CPU not ours during the step, as a fraction of the machine. */
  foreignLoad: number;
  sustained: boolean;
}

export const READ_P99_BUDGET_MS = 50;

export function readSustained(r: LoadResult): boolean {
  return r.errors === 0 && r.achievedRps >= 0.95 * r.offeredRps && r.p99 <= READ_P99_BUDGET_MS;
}

function foreign(w: CpuWindow): number {
  return w.unaccountedMs / w.machineCapacityMs;
}

/**
 * Before a failed step is repeated: waits (1 s samples, up to `maxMs`) for the machine's
 * foreign load to drop under 20%, so the repeat is not disturbed by the same burst.
 */
export async function settle(env: BenchEnv, maxMs = 10_000): Promise<void> {
  const deadline = performance.now() + maxMs;
  while (performance.now() < deadline) {
    const w = cpuWindow(env.pids());
    await sleep(1000);
    if (foreign(w.stop()) < 0.2) return;
  }
}

/** The generator used this much of its core: the step measured the machine, not the server alone. */
export const GENERATOR_SATURATED = 0.95;

const serverOf = (target: ReadTarget) => (target === 'bare' ? 'bare-koa+direct' : 'gateway');
const readPath = (env: BenchEnv) => `/api/products/${env.readProduct.id}`;

/** The read product's current ETag at the gateway (what a revalidating client holds). */
export async function currentEtag(env: BenchEnv): Promise<string> {
  const res = await send(env.apiUrl, { method: 'GET', path: readPath(env) });
  const etag = res.headers.etag;
  if (res.status !== 200 || !etag) throw new Error(`the read product answered ${res.status} without an ETag`);
  return etag;
}

/**
 * The request of a target and its check: anonymous reads (an admin token would bypass the cache
 * by design); anything but a HIT with the expected status is an error, so the scenario is the
 * cache-hit path and nothing else.
 */
async function readOp(env: BenchEnv, target: ReadTarget): Promise<Op> {
  const path = readPath(env);
  const headers: Record<string, string> = target === 'notModified' ? { 'if-none-match': await currentEtag(env) } : {};
  const expected = target === 'notModified' ? 304 : 200;
  return httpOp(
    target === 'bare' ? env.bareUrl : env.apiUrl,
    () => ({ method: 'GET', path, headers }),
    (res) =>
      res.status !== expected
        ? String(res.status)
        : target !== 'bare' && res.headers['x-cache'] !== 'HIT'
          ? `X-Cache ${res.headers['x-cache']}`
          : true,
  );
}

export async function catalogReadSearch(
  env: BenchEnv,
  target: ReadTarget,
  stepMs: number,
  log: Log,
): Promise<{ estimate: number; best?: ReadStep; steps: ReadStep[]; generatorBound: boolean }> {
  const op = await readOp(env, target);
  const serverName = serverOf(target);
  // Warm-up (JIT, connections, the cache entry), then a closed-loop probe to place the ladder.
  await closedLoop(16, 1000, op);
  const probe = await closedLoop(32, 2000, op);
  const estimate = probe.rps;
  const ladder = [0.4, 0.55, 0.7, 0.85, 1.0, 1.15, 1.3].map((f) => Math.max(50, Math.round((estimate * f) / 50) * 50));
  const search = await searchMaxRate(
    ladder,
    async (rps) => {
      const w = cpuWindow(env.pids());
      const r = await openLoop(rps, stepMs, op);
      const cpu = w.stop();
      const step: ReadStep = {
        ...r,
        target,
        serverCpuUsPerReq: ((cpu.perProcess[serverName] ?? NaN) * 1000) / Math.max(1, r.ok),
        foreignLoad: foreign(cpu),
        sustained: readSustained(r),
      };
      return step;
    },
    (s) => s.sustained,
    {
      round: (x) => Math.round(x / 50) * 50,
      retry: (s) => s.p99 < 10 * READ_P99_BUDGET_MS,
      beforeRetry: () => settle(env, 5000),
      onStep: (s, ok) =>
        log(
          `  read ${target} ${s.offeredRps}/s → ${round(s.achievedRps, 0)}/s p99 ${round(s.p99, 2)} ms, errors ${s.errors}, server ${round(s.serverCpuUsPerReq, 0)} µs/req, loadgen ${round(s.loadgenCpu * 100, 0)}% ${ok ? '✓' : '✗'}`,
        ),
    },
  );
  // The generator's core busy at the best step: the machine (generator + server on 2 cores) is the
  // limit, not the server alone. (A saturated Node generator still gains throughput by batching
  // more per tick, so this is reported, not used to stop the search.)
  const generatorBound = (search.best?.loadgenCpu ?? 0) >= GENERATOR_SATURATED;
  return { estimate, best: search.best, steps: search.steps, generatorBound };
}

/** Both targets at one rate, for latency at equal load. */
export async function catalogReadAt(env: BenchEnv, target: ReadTarget, rps: number, stepMs: number): Promise<ReadStep> {
  const op = await readOp(env, target);
  const w = cpuWindow(env.pids());
  const r = await openLoop(rps, stepMs, op);
  const cpu = w.stop();
  const serverName = serverOf(target);
  return {
    ...r,
    target,
    serverCpuUsPerReq: ((cpu.perProcess[serverName] ?? NaN) * 1000) / Math.max(1, r.ok),
    foreignLoad: foreign(cpu),
    sustained: readSustained(r),
  };
}

/** The gateway's read-model counters (shop_cache_requests_total by result), from /metrics. */
async function cacheCounters(env: BenchEnv): Promise<Record<string, number>> {
  const res = await send(env.apiUrl, { method: 'GET', path: '/metrics' });
  const out: Record<string, number> = {};
  for (const m of res.body.matchAll(/^shop_cache_requests_total\{result="(\w+)"\} (\d+)/gm)) out[m[1]] = Number(m[2]);
  return out;
}

export interface WrkReadStep {
  target: ReadTarget;
  generator: 'wrk';
  /** wrk's own figures (closed loop: `connections` requests in flight). */
  wrk: WrkResult;
  rps: number;
  errors: number;
  /** Gateway targets: responses that were not cache HITs (from the gateway's own counters). */
  notHits: number;
  p50: number;
  p99: number;
  serverCpuUsPerReq: number;
  /** wrk's CPU, as a fraction of one core. */
  loadgenCpu: number;
  /** Busy CPU of the machine that is neither ours nor wrk's, as a fraction of the machine. */
  foreignLoad: number;
  sustained: boolean;
}

/** One wrk run of a catalog-read target: throughput at `connections`, CPU of the server and of wrk. */
export async function catalogReadWrk(
  env: BenchEnv,
  target: ReadTarget,
  durationS: number,
  connections: number,
): Promise<WrkReadStep> {
  const base = target === 'bare' ? env.bareUrl : env.apiUrl;
  const headers: Record<string, string> = target === 'notModified' ? { 'If-None-Match': await currentEtag(env) } : {};
  // The expected answer before and after (wrk counts a 200 as success on the 304 run: the
  // counters and these probes make sure every answer was the one measured).
  const probe = async (waitMs: number) => {
    const want = target === 'notModified' ? 304 : 200;
    const deadline = performance.now() + waitMs;
    for (;;) {
      const res = await send(base, { method: 'GET', path: readPath(env), headers });
      if (res.status === want && (target === 'bare' || res.headers['x-cache'] === 'HIT')) return;
      // Right after set-up the product is "written recently" (read from the primary, not cached).
      if (performance.now() > deadline)
        throw new Error(`${target}: expected ${want} HIT, got ${res.status} ${res.headers['x-cache'] ?? ''}`);
      await sleep(250);
    }
  };
  await probe(15_000);
  const before = target === 'bare' ? {} : await cacheCounters(env);
  const w = cpuWindow(env.pids());
  const r = await runWrk({ url: base + readPath(env), headers, durationS, connections });
  const cpu = w.stop();
  const after = target === 'bare' ? {} : await cacheCounters(env);
  await probe(0);
  const delta = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
  // The counters also count the two probes and nothing else (the bench sends nothing else meanwhile).
  const notHits = target === 'bare' ? 0 : delta('miss') + delta('stale') + delta('error');
  const ok = r.requests - r.errors;
  return {
    target,
    generator: 'wrk',
    wrk: r,
    rps: r.rps,
    errors: r.errors,
    notHits,
    p50: r.p50,
    p99: r.p99,
    serverCpuUsPerReq: ((cpu.perProcess[serverOf(target)] ?? NaN) * 1000) / Math.max(1, ok),
    loadgenCpu: r.cpu,
    foreignLoad: Math.max(0, cpu.unaccountedMs - r.cpuMs) / cpu.machineCapacityMs,
    sustained: r.errors === 0 && notHits === 0,
  };
}

// ---- Orders --------------------------------------------------------------------------------------

/**
 * Completion of orders, seen from outside: one query every POLL_MS for the orders still
 * PENDING (by primary key). Completion latency = when the poll saw the final status − the
 * request's scheduled time; the poll adds 0 to POLL_MS.
 */
export const POLL_MS = 25;

export class CompletionTracker {
  private readonly pending = new Map<string, number>();
  readonly done: { id: string; scheduled: number; latency: number; status: string }[] = [];
  private timer?: NodeJS.Timeout;
  private polling = false;

  constructor(private readonly env: BenchEnv) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), POLL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private readonly waiters = new Map<string, (status: string) => void>();

  track(id: string, scheduled: number): void {
    this.pending.set(id, scheduled);
  }

  /** Resolves with the order's final status once the poll sees it. */
  wait(id: string, scheduled: number): Promise<string> {
    this.track(id, scheduled);
    return new Promise((resolve) => this.waiters.set(id, resolve));
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  private async poll(): Promise<void> {
    if (this.polling || this.pending.size === 0) return;
    this.polling = true;
    try {
      const ids = [...this.pending.keys()].slice(0, 1000);
      const [rows] = await this.env.db.query(`SELECT id, status FROM orders WHERE id IN (?) AND status <> 'PENDING'`, [
        ids,
      ]);
      const now = performance.now();
      for (const row of rows as { id: string; status: string }[]) {
        const scheduled = this.pending.get(row.id);
        if (scheduled === undefined) continue;
        this.pending.delete(row.id);
        this.done.push({ id: row.id, scheduled, latency: now - scheduled, status: row.status });
        this.waiters.get(row.id)?.(row.status);
        this.waiters.delete(row.id);
      }
    } catch {
      // A failed poll is retried at the next tick.
    } finally {
      this.polling = false;
    }
  }

  async drain(timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (this.pending.size > 0 && performance.now() < deadline) await sleep(POLL_MS);
    return this.pending.size;
  }

  /** Orders that never completed (for the report); forgets them. */
  abandon(): string[] {
    const ids = [...this.pending.keys()];
    this.pending.clear();
    return ids;
  }
}

export type FlowKind = 'orders' | 'trivial' | 'direct' | 'checkout';

/** Both kinds that place an order through the gateway and are tracked until PAID. */
const placesOrders = (kind: FlowKind) => kind === 'orders' || kind === 'checkout';

export interface FlowStep {
  kind: FlowKind;
  offeredRps: number;
  sent: number;
  accepted: number;
  completed: number;
  errors: number;
  errorKinds: Record<string, number>;
  /** Until the 201 (orders; checkout: the add to cart and the checkout), the start acknowledgement (trivial), the 201 PAID (direct). */
  accept: ReturnType<typeof summarise>;
  /** Checkout: the two requests of an operation on their own (PUT /api/cart/items/:id, POST /api/cart/checkout). */
  phases?: { addItem: ReturnType<typeof summarise>; checkout: ReturnType<typeof summarise> };
  /** Until PAID (orders), the result of the workflow (trivial), = accept (direct). */
  completion: ReturnType<typeof summarise>;
  completedRps: number;
  /** After the last send: how long until everything had completed. */
  drainMs: number;
  incomplete: number;
  /** Completion p50 of the last third of the step ÷ that of the first third (> 2: a backlog builds). */
  backlogGrowth: number;
  /** E-mails (order-paid) not yet delivered when the orders had all completed, and how long they took. */
  emailsPendingAtCompletion?: number;
  emailDrainMs?: number;
  sendLagP99: number;
  loadgenCpu: number;
  cpu: CpuWindow;
  /** CPU ms per completed operation, per process (gross: everything the process used during the step). */
  cpuMsPerOp: Record<string, number>;
  /** The same minus each process's idle CPU over the step (when idle rates were measured). */
  netCpuMsPerOp?: Record<string, number>;
  foreignLoad: number;
  sustained: boolean;
  notSustainedBecause?: string;
}

export const FLOW_BUDGET = { acceptP99Ms: 1000, completionP99Ms: 2000, drainTimeoutMs: 15_000, maxErrorRate: 0.001 };

function backlogGrowth(samples: { scheduled: number; latency: number }[], start: number, durationMs: number): number {
  const third = durationMs / 3;
  const first = samples.filter((s) => s.scheduled - start < third).map((s) => s.latency);
  const last = samples.filter((s) => s.scheduled - start >= 2 * third).map((s) => s.latency);
  if (first.length < 3 || last.length < 3) return NaN;
  return summarise(last).p50 / summarise(first).p50;
}

function judge(s: FlowStep): FlowStep {
  const reasons: string[] = [];
  if (s.errors / Math.max(1, s.sent) > FLOW_BUDGET.maxErrorRate) reasons.push(`errors ${s.errors}/${s.sent}`);
  if (s.incomplete > 0) reasons.push(`${s.incomplete} incomplete after ${FLOW_BUDGET.drainTimeoutMs} ms`);
  if (s.accepted < 0.95 * s.sent) reasons.push('accepted < 95% of offered');
  if (s.accept.p99 > FLOW_BUDGET.acceptP99Ms)
    reasons.push(`accept p99 ${round(s.accept.p99, 0)} ms > ${FLOW_BUDGET.acceptP99Ms}`);
  if (s.completion.p99 > FLOW_BUDGET.completionP99Ms)
    reasons.push(`completion p99 ${round(s.completion.p99, 0)} ms > ${FLOW_BUDGET.completionP99Ms}`);
  if (s.backlogGrowth > 2 && s.completion.p50 > 100)
    reasons.push(`backlog growing (completion p50 ×${round(s.backlogGrowth, 1)} within the step)`);
  if (
    s.emailsPendingAtCompletion !== undefined &&
    s.emailDrainMs !== undefined &&
    s.emailDrainMs >= FLOW_BUDGET.drainTimeoutMs
  )
    reasons.push('e-mails not drained');
  s.sustained = reasons.length === 0;
  if (reasons.length) s.notSustainedBecause = reasons.join('; ');
  return s;
}

async function smtpReceived(env: BenchEnv): Promise<number> {
  const res = await send(env.smtpControlUrl, { method: 'GET', path: '/count' });
  return (JSON.parse(res.body) as { received: number }).received;
}

export interface OrderPlaced {
  id: string;
  customer: Customer;
}

/** The placed orders of the run (PAID ones feed the mixed scenario's views and cancels). */
export const placedOrders: OrderPlaced[] = [];

/** POST /api/orders (one unit of a random product, an Idempotency-Key like a real client). */
async function placeOne(env: BenchEnv, i: number, rand: () => number): Promise<{ id: string } | { error: string }> {
  const customer = env.customers[i % env.customers.length];
  const productId = env.orderProducts[Math.floor(rand() * env.orderProducts.length)];
  const res = await send(env.apiUrl, {
    method: 'POST',
    path: '/api/orders',
    headers: { authorization: `Bearer ${customer.token}`, 'idempotency-key': randomUUID() },
    body: JSON.stringify({ items: [{ productId, quantity: 1 }] }),
  });
  if (res.status !== 201) return { error: `${res.status} ${res.body.slice(0, 60)}` };
  const id = (JSON.parse(res.body) as { id: string }).id;
  placedOrders.push({ id, customer });
  return { id };
}

function orderOp(env: BenchEnv, tracker: CompletionTracker, rand: () => number): Op {
  return async (i, scheduled) => {
    const placed = await placeOne(env, i, rand);
    if ('error' in placed) return placed.error;
    tracker.track(placed.id, scheduled);
    return true;
  };
}

/**
 * Places orders until the run holds at least `count` (the mixed load's views and cancels need PAID
 * orders; with `--only=mixed` no earlier scenario placed any), a few at a time, and waits for their
 * final status.
 */
export async function seedOrders(env: BenchEnv, count: number): Promise<void> {
  const missing = count - placedOrders.length;
  if (missing <= 0) return;
  const tracker = new CompletionTracker(env);
  tracker.start();
  try {
    const rand = prng(7);
    const finals: Promise<string>[] = [];
    for (let i = 0; i < missing; i += 4) {
      const placed = await Promise.all(
        Array.from({ length: Math.min(4, missing - i) }, (_, k) => placeOne(env, i + k, rand)),
      );
      for (const p of placed) {
        if ('error' in p) throw new Error(`seeding orders for the mixed load: ${p.error}`);
        finals.push(tracker.wait(p.id, performance.now()));
      }
    }
    await Promise.all(finals);
  } finally {
    tracker.stop();
  }
}

/** Shipping address of the bench's checkouts. */
const BENCH_ADDRESS = {
  name: 'Bench Customer',
  line1: '1 Load Street',
  city: 'Leeds',
  postalCode: 'LS1 1AA',
  country: 'GB',
};

/**
 * Customers whose carts are free: a cart has one checkout at a time, so each checkout in flight
 * needs a customer of its own (the bench's limit, not the shop's: reported as an error).
 */
const idleCartCustomers: Customer[] = [];
let cartCustomersFrom: BenchEnv | undefined;
function takeCartCustomer(env: BenchEnv): Customer | undefined {
  if (cartCustomersFrom !== env) {
    cartCustomersFrom = env;
    idleCartCustomers.splice(0, idleCartCustomers.length, ...env.customers);
  }
  return idleCartCustomers.shift();
}

/** One unit of a random product into an empty cart, then checkout (an Idempotency-Key, as a real client). */
async function checkoutOne(
  env: BenchEnv,
  rand: () => number,
  phases?: { addItem: number[]; checkout: number[] },
): Promise<{ id: string } | { error: string }> {
  const customer = takeCartCustomer(env);
  if (!customer) return { error: 'no idle customer (bench limit: one checkout per cart)' };
  const auth = { authorization: `Bearer ${customer.token}` };
  let emptied = false;
  try {
    const productId = env.orderProducts[Math.floor(rand() * env.orderProducts.length)];
    const t0 = performance.now();
    const add = await send(env.apiUrl, {
      method: 'PUT',
      path: `/api/cart/items/${productId}`,
      headers: auth,
      body: JSON.stringify({ quantity: 1 }),
    });
    const t1 = performance.now();
    if (add.status !== 200) return { error: `add ${add.status} ${add.body.slice(0, 60)}` };
    const res = await send(env.apiUrl, {
      method: 'POST',
      path: '/api/cart/checkout',
      headers: { ...auth, 'idempotency-key': randomUUID() },
      body: JSON.stringify({ shippingAddress: BENCH_ADDRESS }),
    });
    phases?.addItem.push(t1 - t0);
    phases?.checkout.push(performance.now() - t1);
    if (res.status !== 201) return { error: `checkout ${res.status} ${res.body.slice(0, 60)}` };
    emptied = true; // the cart gives the ordered line up before the 201
    const id = (JSON.parse(res.body) as { id: string }).id;
    placedOrders.push({ id, customer });
    return { id };
  } finally {
    // A failed checkout leaves its line: the next one of this customer starts from an empty cart.
    if (!emptied) await send(env.apiUrl, { method: 'DELETE', path: '/api/cart', headers: auth }).catch(() => undefined);
    idleCartCustomers.push(customer);
  }
}

function checkoutOp(
  env: BenchEnv,
  tracker: CompletionTracker,
  rand: () => number,
  phases?: { addItem: number[]; checkout: number[] },
): Op {
  return async (_i, scheduled) => {
    const placed = await checkoutOne(env, rand, phases);
    if ('error' in placed) return placed.error;
    tracker.track(placed.id, scheduled);
    return true;
  };
}

/** Idle CPU per second of each process, measured by the runner (see idleCpuRates). */
export const idle: { rates?: Record<string, number> } = {};

export async function flowStep(
  env: BenchEnv,
  kind: FlowKind,
  rps: number,
  durationMs: number,
  log: Log,
): Promise<FlowStep> {
  const rand = prng(Math.round(rps * 1000) + kind.length);
  const acceptLat: number[] = [];
  const completions: { scheduled: number; latency: number }[] = [];
  let tracker: CompletionTracker | undefined;
  let op: Op;
  const phases = kind === 'checkout' ? { addItem: [] as number[], checkout: [] as number[] } : undefined;
  if (kind === 'orders') {
    tracker = new CompletionTracker(env);
    tracker.start();
    op = orderOp(env, tracker, rand);
  } else if (kind === 'checkout') {
    tracker = new CompletionTracker(env);
    tracker.start();
    op = checkoutOp(env, tracker, rand, phases);
  } else if (kind === 'trivial') {
    op = async (i, scheduled) => {
      const handle = await env.temporal.workflow.start('benchTrivial', {
        taskQueue: TRIVIAL_TASK_QUEUE,
        workflowId: `bench-trivial-${randomUUID()}`,
        args: [i],
      });
      acceptLat.push(performance.now() - scheduled);
      try {
        await handle.result();
      } catch (err) {
        return err instanceof WorkflowFailedError ? 'workflow failed' : String((err as Error).message).slice(0, 60);
      }
      completions.push({ scheduled, latency: performance.now() - scheduled });
      return true;
    };
  } else {
    op = async (i, scheduled) => {
      const customer = env.customers[i % env.customers.length];
      const productId = env.orderProducts[Math.floor(rand() * env.orderProducts.length)];
      const res = await send(env.bareUrl, {
        method: 'POST',
        path: '/direct/orders',
        body: JSON.stringify({ userId: customer.id, productId, quantity: 1 }),
      });
      if (res.status !== 201) return `${res.status} ${res.body.slice(0, 60)}`;
      completions.push({ scheduled, latency: performance.now() - scheduled });
      return true;
    };
  }
  const emailsBefore = placesOrders(kind) ? await smtpReceived(env) : 0;
  const w = cpuWindow(env.pids());
  const t0 = performance.now();
  const r = await openLoop(rps, durationMs, op, {
    onDone: (_i, _scheduled, latency, outcome) => {
      if (placesOrders(kind) && outcome === true) acceptLat.push(latency);
    },
  });
  const sendEnd = t0 + durationMs;
  let incomplete = 0;
  let emailsPendingAtCompletion: number | undefined;
  let emailDrainMs: number | undefined;
  if (tracker) {
    incomplete = await tracker.drain(FLOW_BUDGET.drainTimeoutMs);
    tracker.stop();
    if (incomplete)
      log(`  ${incomplete} orders still PENDING after the drain: ${tracker.abandon().slice(0, 3).join(', ')}...`);
    for (const d of tracker.done) {
      if (d.status === 'PAID') completions.push(d);
    }
    const failed = tracker.done.filter((d) => d.status !== 'PAID');
    if (failed.length) {
      r.errors += failed.length;
      r.errorKinds[`ended ${failed[0].status}`] = failed.length;
    }
    // E-mails (order-paid) are part of the work an order starts: wait for them too.
    const expected = completions.length;
    const doneAt = performance.now();
    emailsPendingAtCompletion = Math.max(0, expected - ((await smtpReceived(env)) - emailsBefore));
    while (
      (await smtpReceived(env)) - emailsBefore < expected &&
      performance.now() - doneAt < FLOW_BUDGET.drainTimeoutMs
    )
      await sleep(100);
    emailDrainMs = performance.now() - doneAt;
  }
  const lastCompletion = completions.reduce((m, c) => Math.max(m, c.scheduled + c.latency), sendEnd);
  const cpu = w.stop();
  const completed = completions.length;
  const cpuMsPerOp = Object.fromEntries(
    Object.entries(cpu.perProcess).map(([k, v]) => [k, v / Math.max(1, completed)]),
  );
  const step: FlowStep = {
    kind,
    offeredRps: rps,
    sent: r.sent,
    accepted: placesOrders(kind) ? r.ok : kind === 'trivial' ? acceptLat.length : r.ok,
    completed,
    errors: r.errors,
    errorKinds: r.errorKinds,
    accept: summarise(kind === 'direct' ? completions.map((c) => c.latency) : acceptLat),
    ...(phases ? { phases: { addItem: summarise(phases.addItem), checkout: summarise(phases.checkout) } } : {}),
    completion: summarise(completions.map((c) => c.latency)),
    completedRps: (completed / (lastCompletion - t0)) * 1000,
    drainMs: Math.max(0, lastCompletion - sendEnd),
    incomplete,
    backlogGrowth: backlogGrowth(completions, t0, durationMs),
    emailsPendingAtCompletion,
    emailDrainMs,
    sendLagP99: r.sendLagP99,
    loadgenCpu: r.loadgenCpu,
    cpu,
    cpuMsPerOp,
    ...(idle.rates ? { netCpuMsPerOp: netCpuPerOp(cpu, idle.rates, completed) } : {}),
    foreignLoad: foreign(cpu),
    sustained: false,
  };
  return judge(step);
}

export function describeFlow(s: FlowStep): string {
  return (
    `  ${s.kind} ${s.offeredRps}/s: ${s.completed}/${s.sent} done (drain ${round(s.drainMs / 1000, 1)} s); accept p50/p99 ${round(s.accept.p50, 0)}/${round(s.accept.p99, 0)} ms, ` +
    `completion p50/p99 ${round(s.completion.p50, 0)}/${round(s.completion.p99, 0)} ms, ` +
    (s.phases
      ? `(add p50/p99 ${round(s.phases.addItem.p50, 0)}/${round(s.phases.addItem.p99, 0)} ms, checkout ${round(s.phases.checkout.p50, 0)}/${round(s.phases.checkout.p99, 0)} ms), `
      : '') +
    `errors ${s.errors}, foreign load ${round(s.foreignLoad * 100, 0)}% ` +
    `${s.sustained ? '✓' : `✗ (${s.notSustainedBecause})`}`
  );
}

/**
 * A flow's capacity, closed loop: `concurrency` clients each placing an operation and waiting
 * for its completion (PAID, the workflow result, the 201) before the next. Places the ladder.
 */
export async function flowProbe(
  env: BenchEnv,
  kind: FlowKind,
  concurrency: number,
  durationMs: number,
): Promise<number> {
  const rand = prng(7 + kind.length);
  let op: Op;
  let tracker: CompletionTracker | undefined;
  if (placesOrders(kind)) {
    tracker = new CompletionTracker(env);
    tracker.start();
    op = async (i, scheduled) => {
      const placed = kind === 'checkout' ? await checkoutOne(env, rand) : await placeOne(env, i, rand);
      if ('error' in placed) return placed.error;
      return (await tracker!.wait(placed.id, scheduled)) === 'PAID' ? true : 'not PAID';
    };
  } else if (kind === 'trivial') {
    op = async (i) => {
      await env.temporal.workflow.execute('benchTrivial', {
        taskQueue: TRIVIAL_TASK_QUEUE,
        workflowId: `bench-trivial-${randomUUID()}`,
        args: [i],
      });
      return true;
    };
  } else {
    op = async (i) => {
      const customer = env.customers[i % env.customers.length];
      const productId = env.orderProducts[Math.floor(rand() * env.orderProducts.length)];
      const res = await send(env.bareUrl, {
        method: 'POST',
        path: '/direct/orders',
        body: JSON.stringify({ userId: customer.id, productId, quantity: 1 }),
      });
      return res.status === 201 ? true : String(res.status);
    };
  }
  const r = await closedLoop(concurrency, durationMs, op);
  if (tracker) {
    await tracker.drain(FLOW_BUDGET.drainTimeoutMs);
    tracker.stop();
    tracker.abandon();
  }
  return r.rps;
}

/** Step search of a flow: ladder × the estimate (a closed-loop probe unless given). */
export async function flowSearch(
  env: BenchEnv,
  kind: FlowKind,
  ladderFactors: number[],
  stepMs: number,
  log: Log,
  estimate?: number,
): Promise<{ estimate: number; best?: FlowStep; steps: FlowStep[] }> {
  if (!estimate) {
    estimate = await flowProbe(env, kind, placesOrders(kind) ? 8 : 16, kind === 'direct' ? 2000 : 4000);
    log(`  ${kind} closed-loop probe: ${round(estimate, 1)}/s`);
  }
  const e = Math.max(estimate, 1);
  const ladder = [...new Set(ladderFactors.map((f) => Math.max(1, Math.round(e * f))))];
  const search = await searchMaxRate(
    ladder,
    (rps) => flowStep(env, kind, rps, stepMs, log),
    (s) => s.sustained,
    {
      onStep: (s) => log(describeFlow(s)),
      // A clear failure (a backlog, or p99 far over budget on a quiet machine) is saturation; a
      // marginal one, or one under foreign load, is run again.
      retry: (s) =>
        s.incomplete === 0 &&
        (s.foreignLoad > 0.2 ||
          (s.completion.p99 < 1.5 * FLOW_BUDGET.completionP99Ms && s.accept.p99 < 1.5 * FLOW_BUDGET.acceptP99Ms)),
      beforeRetry: () => settle(env),
      refine: 1,
    },
  );
  return { estimate, best: search.best, steps: search.steps };
}

// ---- Mixed shop load -----------------------------------------------------------------------------

export const MIX = { browse: 10, viewOrder: 3, cart: 2, placeOrder: 1, cancel: 0.2 } as const;
type MixOp = keyof typeof MIX;

export interface MixedStep {
  offeredRps: number;
  sent: number;
  ok: number;
  errors: number;
  errorKinds: Record<string, number>;
  perOp: Record<MixOp, { count: number; errors: number; p50: number; p99: number }>;
  orderCompletion: ReturnType<typeof summarise>;
  cacheHitRatio: number;
  achievedRps: number;
  p99: number;
  cpu: CpuWindow;
  foreignLoad: number;
  loadgenCpu: number;
  sustained: boolean;
  notSustainedBecause?: string;
}

export async function mixedStep(env: BenchEnv, rps: number, durationMs: number): Promise<MixedStep> {
  const rand = prng(42 + rps);
  const total = Object.values(MIX).reduce((a, b) => a + b, 0);
  const pick = (): MixOp => {
    let x = rand() * total;
    for (const [k, w] of Object.entries(MIX) as [MixOp, number][]) {
      if ((x -= w) < 0) return k;
    }
    return 'browse';
  };
  const kinds = Array.from({ length: Math.ceil((rps * durationMs) / 1000) + 1 }, pick);
  const tracker = new CompletionTracker(env);
  tracker.start();
  const place = orderOp(env, tracker, rand);
  // Views and cancels work on PAID orders placed earlier in the run; a cancelled one leaves the pool.
  const paid = placedOrders.slice(-2000);
  let hits = 0;
  let browses = 0;
  const op: Op = async (i, scheduled) => {
    const kind = kinds[i];
    if (kind === 'browse') {
      if (rand() < 0.2) {
        const res = await send(env.apiUrl, { method: 'GET', path: '/api/products?limit=20' });
        return res.status === 200 ? true : String(res.status);
      }
      const productId = env.orderProducts[Math.floor(rand() * env.orderProducts.length)];
      const res = await send(env.apiUrl, { method: 'GET', path: `/api/products/${productId}` });
      browses++;
      if (res.headers['x-cache'] === 'HIT') hits++;
      return res.status === 200 ? true : String(res.status);
    }
    if (kind === 'viewOrder') {
      const o = paid[Math.floor(rand() * paid.length)];
      const res = await send(env.apiUrl, {
        method: 'GET',
        path: `/api/orders/${o.id}`,
        headers: { authorization: `Bearer ${o.customer.token}` },
      });
      return res.status === 200 ? true : `view ${res.status}`;
    }
    if (kind === 'cart') {
      // A shopper's cart round: add a line, read the cart (priced from the catalog), take the line
      // out again (net nothing, so the checkout scenario still finds empty carts).
      const customer = env.customers[Math.floor(rand() * env.customers.length)];
      const productId = env.orderProducts[Math.floor(rand() * env.orderProducts.length)];
      const headers = { authorization: `Bearer ${customer.token}` };
      const put = await send(env.apiUrl, {
        method: 'PUT',
        path: `/api/cart/items/${productId}`,
        headers,
        body: JSON.stringify({ quantity: 1 + Math.floor(rand() * 3) }),
      });
      if (put.status !== 200) return `cart put ${put.status}`;
      const read = await send(env.apiUrl, { method: 'GET', path: '/api/cart', headers });
      if (read.status !== 200) return `cart read ${read.status}`;
      const del = await send(env.apiUrl, { method: 'DELETE', path: `/api/cart/items/${productId}`, headers });
      return del.status === 200 ? true : `cart delete ${del.status}`;
    }
    if (kind === 'cancel') {
      const o = paid.splice(Math.floor(rand() * paid.length), 1)[0];
      const res = await send(env.apiUrl, {
        method: 'PUT',
        path: `/api/orders/${o.id}/cancel`,
        headers: { authorization: `Bearer ${o.customer.token}` },
      });
      if (res.status !== 200) return `cancel ${res.status} ${res.body.slice(0, 60)}`;
      return (JSON.parse(res.body) as { status: string }).status === 'CANCELLED' ? true : 'cancel not CANCELLED';
    }
    return place(i, scheduled);
  };
  const perOpLat: Record<MixOp, number[]> = { browse: [], viewOrder: [], cart: [], placeOrder: [], cancel: [] };
  const perOpErr: Record<MixOp, number> = { browse: 0, viewOrder: 0, cart: 0, placeOrder: 0, cancel: 0 };
  const w = cpuWindow(env.pids());
  const r = await openLoop(rps, durationMs, op, {
    onDone: (i, _s, latency, outcome) => {
      perOpLat[kinds[i]].push(latency);
      if (outcome !== true) perOpErr[kinds[i]]++;
    },
  });
  const incomplete = await tracker.drain(FLOW_BUDGET.drainTimeoutMs);
  tracker.stop();
  tracker.abandon();
  const cpu = w.stop();
  const failed = tracker.done.filter((d) => d.status !== 'PAID').length;
  const perOp = Object.fromEntries(
    (Object.keys(perOpLat) as MixOp[]).map((k) => {
      const s = summarise(perOpLat[k]);
      return [k, { count: perOpLat[k].length, errors: perOpErr[k], p50: s.p50, p99: s.p99 }];
    }),
  ) as MixedStep['perOp'];
  const step: MixedStep = {
    offeredRps: rps,
    sent: r.sent,
    ok: r.ok,
    errors: r.errors + failed + incomplete,
    errorKinds: {
      ...r.errorKinds,
      ...(failed ? { 'order not PAID': failed } : {}),
      ...(incomplete ? { 'order incomplete': incomplete } : {}),
    },
    perOp,
    orderCompletion: summarise(tracker.done.map((d) => d.latency)),
    cacheHitRatio: browses ? hits / browses : NaN,
    achievedRps: r.achievedRps,
    p99: r.p99,
    cpu,
    foreignLoad: foreign(cpu),
    loadgenCpu: r.loadgenCpu,
    sustained: false,
  };
  const reasons: string[] = [];
  if (step.errors / Math.max(1, step.sent) > FLOW_BUDGET.maxErrorRate)
    reasons.push(`errors ${step.errors}/${step.sent}`);
  if (perOp.browse.p99 > 250 || perOp.viewOrder.p99 > 250) reasons.push('read p99 > 250 ms');
  if (perOp.placeOrder.p99 > FLOW_BUDGET.acceptP99Ms || step.orderCompletion.p99 > FLOW_BUDGET.completionP99Ms)
    reasons.push('order p99 over budget');
  step.sustained = reasons.length === 0;
  if (reasons.length) step.notSustainedBecause = reasons.join('; ');
  return step;
}

export function describeMixed(s: MixedStep): string {
  const o = s.perOp;
  return (
    `  mixed ${s.offeredRps}/s → ${round(s.achievedRps, 0)}/s; browse p99 ${round(o.browse.p99, 0)} ms, view p99 ${round(o.viewOrder.p99, 0)} ms, ` +
    `place p99 ${round(o.placeOrder.p99, 0)} ms (PAID p99 ${round(s.orderCompletion.p99, 0)} ms), cancel p99 ${round(o.cancel.p99, 0)} ms, hit ratio ${round(s.cacheHitRatio * 100, 0)}%, ` +
    `errors ${s.errors} ${s.sustained ? '✓' : `✗ (${s.notSustainedBecause})`}`
  );
}
