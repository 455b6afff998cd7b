// `npm run bench`: the whole benchmark, unattended, in under 10 minutes (build included).
//
// Stands up a throwaway world (bench/env.ts: MariaDB database and Redis prefix of its own, the
// Temporal dev server in memory, the gateway and one process per worker pool from dist/, the
// trivial-workflow worker, the bare Koa / direct SQL baseline process, an SMTP sink), then runs
// each scenario as a step search at constant arrival rates, interleaved with its baseline, and
// writes bench/results/<timestamp>.json, bench/results/latest.json and bench/results/latest.md.
//
// Options: --reps=N (default 2), --quick (1 rep, shorter steps), --only=catalog,orders,mixed,checkout
// (checkout is not in the default set: add to cart + checkout vs POST /api/orders),
// --checkout-step-ms=N (its step length, default 5000),
// --catalog-generator=auto|wrk|node|both (the catalog read's load generator; auto: wrk, installed
// if missing, else the Node one),
// --shop-env=KEY=VALUE (repeatable: configuration experiments), --label=<text>,
// --no-latest (leave latest.* alone: experiments), --profile (CPU profiles of the gateway and
// workers during the measured load, summarised into the JSON).
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { type BenchEnv, recentShopLogs, setupEnv, temporalCli } from './env';
import { closeAgents } from './load';
import { cpuMs, cpuWindow, idleCpuRates, memoryMiB } from './proc';
import { renderMarkdown } from './report';
import {
  type FlowStep,
  type MixedStep,
  MIX,
  type ReadStep,
  type ReadTarget,
  type WrkReadStep,
  GENERATOR_SATURATED,
  catalogReadAt,
  catalogReadWrk,
  catalogReadSearch,
  describeFlow,
  describeMixed,
  flowSearch,
  flowStep,
  mixedStep,
  seedOrders,
  FLOW_BUDGET,
  READ_P99_BUDGET_MS,
  POLL_MS,
  idle,
  placedOrders,
} from './scenarios';
import { summarise as summariseProfile } from './profile/summarise';
import { wrkAvailable, wrkVersion } from './wrk';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => args.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));
const quick = flag('quick');
const REPS = Number(option('reps')[0] ?? (quick ? 1 : 2));
const ONLY = new Set((option('only')[0] ?? 'catalog,orders,mixed').split(','));
const SHOP_ENV = Object.fromEntries(
  option('shop-env').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
const PROFILE = flag('profile');
/** The catalog read's load generator: wrk when available (auto), or node, or both (same run). */
const CATALOG_GENERATOR = option('catalog-generator')[0] ?? 'auto';
const WRK = {
  connections: Number(process.env.BENCH_WRK_CONNECTIONS ?? 32),
  seconds: Number(process.env.BENCH_WRK_SECONDS ?? (quick ? 3 : 5)),
};
const round = (x: number) => (Number.isFinite(x) ? Math.round(x) : x);
/** PAID orders the mixed load's views and cancels draw from, placed first when the run has fewer. */
const MIXED_SEED_ORDERS = 40;

const STEP = {
  readMs: quick ? 2000 : 2500,
  flowMs: 5000,
  equalMs: quick ? 5000 : 6000,
  mixedMs: 8000,
  checkoutMs: Number(option('checkout-step-ms')[0] ?? 5000),
};
/** Soft budget for the measuring part (the build and set-up come on top): later repetitions are skipped past it. */
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 7.5 * 60_000);
/** Past this, whatever is left is skipped: `npm run bench` (build included) must end within 10 minutes. */
const HARD_STOP_MS = BUDGET_MS + 60_000;
const pastHardStop = () => Date.now() - t0 > HARD_STOP_MS;

const resultsDir = path.join(__dirname, 'results');
const t0 = Date.now();
const lines: string[] = [];
const log = (m: string) => {
  const line = `[${((Date.now() - t0) / 1000).toFixed(0).padStart(3)}s] ${m}`;
  lines.push(line);
  process.stderr.write(`${line}\n`);
};
const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const overBudget = () => Date.now() - t0 > BUDGET_MS;

function versionOf(cmd: string, argv: string[]): string {
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 })
      .split('\n')[0]
      .trim();
  } catch {
    return 'unknown';
  }
}

/** Step results without the bulky parts (per-process CPU stays: it is the point). */
function slimFlow(s: FlowStep | undefined) {
  if (!s) return undefined;
  return {
    ...s,
    cpu: {
      wallMs: s.cpu.wallMs,
      machineBusyMs: s.cpu.machineBusyMs,
      machineCapacityMs: s.cpu.machineCapacityMs,
      unaccountedMs: s.cpu.unaccountedMs,
    },
  };
}
function slimMixed(s: MixedStep | undefined) {
  if (!s) return undefined;
  const completed = s.perOp.placeOrder.count;
  return {
    ...s,
    cpu: undefined,
    cpuMsPerRequest: Object.fromEntries(Object.entries(s.cpu.perProcess).map(([k, v]) => [k, v / Math.max(1, s.ok)])),
    ordersPlaced: completed,
  };
}

export interface CatalogRep {
  rep: number;
  order: ReadTarget[];
  gateway: { estimate: number; best?: ReadStep; steps: ReadStep[]; generatorBound: boolean };
  notModified: { estimate: number; best?: ReadStep; steps: ReadStep[]; generatorBound: boolean };
  bare: { estimate: number; best?: ReadStep; steps: ReadStep[]; generatorBound: boolean };
  ratio: number;
  cpuPerRequestRatio: number;
}

export interface CatalogWrkRep {
  rep: number;
  order: ReadTarget[];
  gateway: WrkReadStep;
  notModified: WrkReadStep;
  bare: WrkReadStep;
  ratio: number;
  notModifiedRatio: number;
}

/** The three catalog-read targets, interleaved, in a different order every repetition. */
const READ_ORDERS: ReadTarget[][] = [
  ['gateway', 'notModified', 'bare'],
  ['bare', 'gateway', 'notModified'],
  ['notModified', 'bare', 'gateway'],
];

/** wrk: closed loop at WRK_CONNECTIONS, WRK_SECONDS per run (warm-up of each target first). */
async function runCatalogWrk(env: BenchEnv): Promise<CatalogWrkRep[]> {
  log(`  generator: wrk, ${WRK.connections} connections, 1 thread, ${WRK.seconds} s per run, ${wrkVersion()}`);
  for (const target of READ_ORDERS[0]) await catalogReadWrk(env, target, 1, WRK.connections);
  const reps: CatalogWrkRep[] = [];
  for (let rep = 1; rep <= REPS; rep++) {
    if (rep > 1 && overBudget()) {
      log(`  time budget reached: catalog repetition ${rep} skipped`);
      break;
    }
    const order = READ_ORDERS[(rep - 1) % READ_ORDERS.length];
    const out: Partial<CatalogWrkRep> = { rep, order };
    for (const target of order) {
      const r = await catalogReadWrk(env, target, WRK.seconds, WRK.connections);
      out[target] = r;
      log(
        `  wrk ${target}: ${round(r.rps)}/s, p50/p99 ${r.p50.toFixed(2)}/${r.p99.toFixed(2)} ms, errors ${r.errors}, not HIT ${r.notHits}, server ${round(r.serverCpuUsPerReq)} µs/req, wrk ${round(100 * r.loadgenCpu)}% of a core, foreign load ${round(100 * r.foreignLoad)}%`,
      );
    }
    out.ratio = out.gateway!.rps / out.bare!.rps;
    out.notModifiedRatio = out.notModified!.rps / out.bare!.rps;
    log(`  rep ${rep}: gateway ÷ bare ${out.ratio.toFixed(2)}×, 304 ÷ bare ${out.notModifiedRatio.toFixed(2)}×`);
    reps.push(out as CatalogWrkRep);
  }
  return reps;
}

/** The Node open-loop generator: a step search per target (the fallback without wrk). */
async function runCatalogNode(env: BenchEnv): Promise<CatalogRep[]> {
  log('  generator: the Node open-loop generator (bench/load.ts)');
  const reps: CatalogRep[] = [];
  for (let rep = 1; rep <= REPS; rep++) {
    if (rep > 1 && overBudget()) {
      log(`  time budget reached: catalog repetition ${rep} skipped`);
      break;
    }
    const order = READ_ORDERS[(rep - 1) % READ_ORDERS.length];
    const out: Partial<CatalogRep> = { rep, order };
    for (const target of order) out[target] = await catalogReadSearch(env, target, STEP.readMs, log);
    const g = out.gateway!.best;
    const b = out.bare!.best;
    out.ratio = g && b ? g.offeredRps / b.offeredRps : NaN;
    out.cpuPerRequestRatio = g && b ? b.serverCpuUsPerReq / g.serverCpuUsPerReq : NaN;
    log(
      `  rep ${rep}: gateway ${g?.offeredRps ?? 'none'}/s vs bare ${b?.offeredRps ?? 'none'}/s → ${out.ratio.toFixed(2)}×; 304 ${out.notModified!.best?.offeredRps ?? 'none'}/s`,
    );
    reps.push(out as CatalogRep);
  }
  return reps;
}

async function runCatalog(env: BenchEnv, results: Record<string, unknown>): Promise<void> {
  log('== catalog read: GET /api/products/:id (cache hit: 200, and 304 on If-None-Match) vs bare Koa ==');
  const useWrk = CATALOG_GENERATOR !== 'node' && wrkAvailable(log);
  const useNode = CATALOG_GENERATOR === 'node' || CATALOG_GENERATOR === 'both' || !useWrk;
  const wrkReps = useWrk ? await runCatalogWrk(env) : undefined;
  const nodeReps = useNode ? await runCatalogNode(env) : undefined;
  const nodeOf = (t: ReadTarget, k: 'offeredRps' | 'serverCpuUsPerReq' | 'loadgenCpu' | 'p99') =>
    median((nodeReps ?? []).map((r) => r[t].best?.[k] ?? NaN));
  const wrkOf = (t: ReadTarget, k: 'rps' | 'serverCpuUsPerReq' | 'loadgenCpu' | 'p50' | 'p99') =>
    median((wrkReps ?? []).map((r) => r[t][k]));
  const nodeSummary = nodeReps && {
    gatewayMaxRps: nodeOf('gateway', 'offeredRps'),
    notModifiedMaxRps: nodeOf('notModified', 'offeredRps'),
    bareMaxRps: nodeOf('bare', 'offeredRps'),
    ratio: median(nodeReps.map((r) => r.ratio)),
    notModifiedRatio: median(
      nodeReps.map((r) => (r.notModified.best?.offeredRps ?? NaN) / (r.bare.best?.offeredRps ?? NaN)),
    ),
    gatewayCpuUsPerReq: nodeOf('gateway', 'serverCpuUsPerReq'),
    notModifiedCpuUsPerReq: nodeOf('notModified', 'serverCpuUsPerReq'),
    bareCpuUsPerReq: nodeOf('bare', 'serverCpuUsPerReq'),
    cpuPerRequestRatio: median(nodeReps.map((r) => r.cpuPerRequestRatio)),
    gatewayLoadgenCpu: nodeOf('gateway', 'loadgenCpu'),
    notModifiedLoadgenCpu: nodeOf('notModified', 'loadgenCpu'),
    bareLoadgenCpu: nodeOf('bare', 'loadgenCpu'),
    bareGeneratorBound: nodeReps.some((r) => r.bare.generatorBound),
    gatewayGeneratorBound: nodeReps.some((r) => r.gateway.generatorBound),
    bareSendLagP99: median(nodeReps.map((r) => r.bare.best?.sendLagP99 ?? NaN)),
    gatewayP99AtMax: nodeOf('gateway', 'p99'),
    notModifiedP99AtMax: nodeOf('notModified', 'p99'),
    bareP99AtMax: nodeOf('bare', 'p99'),
  };
  const wrkSummary = wrkReps && {
    gatewayMaxRps: wrkOf('gateway', 'rps'),
    notModifiedMaxRps: wrkOf('notModified', 'rps'),
    bareMaxRps: wrkOf('bare', 'rps'),
    ratio: median(wrkReps.map((r) => r.ratio)),
    notModifiedRatio: median(wrkReps.map((r) => r.notModifiedRatio)),
    gatewayCpuUsPerReq: wrkOf('gateway', 'serverCpuUsPerReq'),
    notModifiedCpuUsPerReq: wrkOf('notModified', 'serverCpuUsPerReq'),
    bareCpuUsPerReq: wrkOf('bare', 'serverCpuUsPerReq'),
    cpuPerRequestRatio: median(wrkReps.map((r) => r.bare.serverCpuUsPerReq / r.gateway.serverCpuUsPerReq)),
    gatewayLoadgenCpu: wrkOf('gateway', 'loadgenCpu'),
    notModifiedLoadgenCpu: wrkOf('notModified', 'loadgenCpu'),
    bareLoadgenCpu: wrkOf('bare', 'loadgenCpu'),
    // wrk is a C event loop: bound only when its one thread is (nearly) a full core.
    bareGeneratorBound: wrkReps.some((r) => r.bare.loadgenCpu >= GENERATOR_SATURATED),
    gatewayGeneratorBound: wrkReps.some((r) => r.gateway.loadgenCpu >= GENERATOR_SATURATED),
    gatewayP50AtMax: wrkOf('gateway', 'p50'),
    notModifiedP50AtMax: wrkOf('notModified', 'p50'),
    bareP50AtMax: wrkOf('bare', 'p50'),
    gatewayP99AtMax: wrkOf('gateway', 'p99'),
    notModifiedP99AtMax: wrkOf('notModified', 'p99'),
    bareP99AtMax: wrkOf('bare', 'p99'),
    errors: wrkReps.reduce((a, r) => a + r.gateway.errors + r.notModified.errors + r.bare.errors, 0),
    notHits: wrkReps.reduce((a, r) => a + r.gateway.notHits + r.notModified.notHits, 0),
    connections: WRK.connections,
    seconds: WRK.seconds,
  };
  // Latency at equal load (open loop, the Node generator: it keeps up at this rate): every target
  // at half the gateway's highest rate, twice, interleaved.
  const gatewayBest = (wrkSummary ?? nodeSummary)!.gatewayMaxRps;
  const equalRate = Math.max(100, Math.round(gatewayBest / 2 / 50) * 50);
  const equal: Record<ReadTarget, ReadStep>[] = [];
  for (let k = 0; k < 2; k++) {
    const run = {} as Record<ReadTarget, ReadStep>;
    for (const target of READ_ORDERS[k]) run[target] = await catalogReadAt(env, target, equalRate, STEP.readMs);
    equal.push(run);
    log(
      `  at ${equalRate}/s: ${READ_ORDERS[0].map((t) => `${t} p50/p99 ${run[t].p50.toFixed(2)}/${run[t].p99.toFixed(2)} ms`).join(', ')}`,
    );
  }
  const eq = (t: ReadTarget, k: 'p50' | 'p99') => median(equal.map((e) => e[t][k]));
  results.catalog = {
    generator: useWrk ? 'wrk' : 'node',
    wrkReps,
    reps: nodeReps ?? [],
    equalLoad: { rate: equalRate, runs: equal },
    node: nodeSummary,
    wrk: wrkSummary,
    summary: {
      generator: useWrk ? 'wrk' : 'node',
      ...(wrkSummary ?? nodeSummary)!,
      gatewayP99AtEqualLoad: eq('gateway', 'p99'),
      notModifiedP99AtEqualLoad: eq('notModified', 'p99'),
      bareP99AtEqualLoad: eq('bare', 'p99'),
      gatewayP50AtEqualLoad: eq('gateway', 'p50'),
      notModifiedP50AtEqualLoad: eq('notModified', 'p50'),
      bareP50AtEqualLoad: eq('bare', 'p50'),
    },
  };
}

type FlowKind = 'trivial' | 'orders' | 'direct';
interface FlowSearchOut {
  estimate: number;
  best?: FlowStep;
  steps: FlowStep[];
}

async function runFlows(
  env: BenchEnv,
  results: Record<string, unknown>,
  afterFirstRep?: (ordersBest: number) => Promise<void>,
): Promise<number> {
  log('== order placement end to end vs the trivial workflow and vs direct SQL ==');
  const reps: Record<string, unknown>[] = [];
  const bests: Record<FlowKind, number[]> = { trivial: [], orders: [], direct: [] };
  const orders: FlowKind[][] = [
    ['trivial', 'orders', 'direct'],
    ['direct', 'orders', 'trivial'],
    ['orders', 'trivial', 'direct'],
  ];
  for (let rep = 1; rep <= REPS; rep++) {
    if (rep === 2 && afterFirstRep) {
      await afterFirstRep(median(bests.orders));
      log('== order placement, repetition 2 ==');
    }
    if (rep > 1 && (overBudget() || pastHardStop())) {
      log(`  time budget reached: flow repetition ${rep} skipped`);
      break;
    }
    const out: Record<string, FlowSearchOut | unknown> = { rep, order: orders[(rep - 1) % 3] };
    for (const kind of orders[(rep - 1) % 3]) {
      const previous = median(bests[kind]);
      // The first repetition probes; later ones step up from just below the previous best.
      const factors = Number.isFinite(previous)
        ? [0.9, 1, 1.1, 1.2, 1.35, 1.5, 1.75, 2]
        : [0.6, 0.8, 1, 1.25, 1.55, 1.9, 2.4, 3];
      const s = await flowSearch(
        env,
        kind,
        factors,
        STEP.flowMs,
        log,
        Number.isFinite(previous) ? previous : undefined,
      );
      out[kind] = { estimate: s.estimate, best: slimFlow(s.best), steps: s.steps.map(slimFlow) };
      if (s.best) bests[kind].push(s.best.offeredRps);
      if (!s.best) log(`  ${kind}: no step sustained (lowest tried ${s.steps[0]?.offeredRps}/s)`);
    }
    const get = (k: FlowKind) => (out[k] as FlowSearchOut).best?.offeredRps ?? NaN;
    out.ordersVsTrivial = get('orders') / get('trivial');
    out.ordersVsDirect = get('orders') / get('direct');
    log(`  rep ${rep}: orders ${get('orders')}/s, trivial ${get('trivial')}/s, direct ${get('direct')}/s`);
    reps.push(out);
  }

  // Latency at equal arrival rate (half the orders' sustained rate): orders vs trivial, interleaved.
  // Idle CPU of every process first, so that CPU per operation can be given net of it.
  await new Promise((r) => setTimeout(r, 2000));
  idle.rates = await idleCpuRates(env.pids(), 3000);
  const ordersBest = median(bests.orders);
  const equalRate = Math.max(1, Math.round((Number.isFinite(ordersBest) ? ordersBest : 4) / 2));
  const equal: { trivial: FlowStep; orders: FlowStep }[] = [];
  for (let k = 0; k < 2; k++) {
    const o = await flowStep(env, 'orders', equalRate, STEP.equalMs, log);
    log(describeFlow(o));
    const t = await flowStep(env, 'trivial', equalRate, STEP.equalMs, log);
    log(describeFlow(t));
    equal.push({ trivial: t, orders: o });
  }
  const ratioOf = (key: 'ordersVsTrivial' | 'ordersVsDirect') => median(reps.map((r) => r[key] as number));
  const cpuOf = (s: FlowStep) => s.netCpuMsPerOp ?? s.cpuMsPerOp;
  const cpuPerOrder: Record<string, number> = {};
  for (const name of Object.keys(equal[0].orders.cpuMsPerOp))
    cpuPerOrder[name] = median(equal.map((e) => cpuOf(e.orders)[name]));
  const cpuPerTrivial: Record<string, number> = {};
  for (const name of Object.keys(equal[0].trivial.cpuMsPerOp))
    cpuPerTrivial[name] = median(equal.map((e) => cpuOf(e.trivial)[name]));
  const grossPerOrder = median(equal.map((e) => Object.values(e.orders.cpuMsPerOp).reduce((a, b) => a + b, 0)));
  const grossPerTrivial = median(equal.map((e) => Object.values(e.trivial.cpuMsPerOp).reduce((a, b) => a + b, 0)));
  const directCpu: Record<string, number[]> = {};
  for (const r of reps) {
    const best = (r.direct as FlowSearchOut).best;
    if (best) for (const [k, v] of Object.entries(best.netCpuMsPerOp ?? best.cpuMsPerOp)) (directCpu[k] ??= []).push(v);
  }
  const bestSteps = (k: FlowKind) => reps.map((r) => (r[k] as FlowSearchOut).best).filter(Boolean) as FlowStep[];
  results.flows = {
    reps,
    equalRate: {
      rate: equalRate,
      runs: equal.map((e) => ({ trivial: slimFlow(e.trivial), orders: slimFlow(e.orders) })),
    },
    summary: {
      ordersMaxRps: ordersBest,
      trivialMaxRps: median(bests.trivial),
      directMaxRps: median(bests.direct),
      ordersVsTrivial: ratioOf('ordersVsTrivial'),
      ordersVsDirect: ratioOf('ordersVsDirect'),
      atMax: Object.fromEntries(
        (['orders', 'trivial', 'direct'] as FlowKind[]).map((k) => [
          k,
          {
            acceptP50: median(bestSteps(k).map((s) => s.accept.p50)),
            acceptP99: median(bestSteps(k).map((s) => s.accept.p99)),
            completionP50: median(bestSteps(k).map((s) => s.completion.p50)),
            completionP99: median(bestSteps(k).map((s) => s.completion.p99)),
            errors: bestSteps(k).reduce((a, s) => a + s.errors, 0),
            sent: bestSteps(k).reduce((a, s) => a + s.sent, 0),
          },
        ]),
      ),
      atEqualRate: {
        rate: equalRate,
        ordersAcceptP50: median(equal.map((e) => e.orders.accept.p50)),
        ordersAcceptP99: median(equal.map((e) => e.orders.accept.p99)),
        ordersCompletionP50: median(equal.map((e) => e.orders.completion.p50)),
        ordersCompletionP99: median(equal.map((e) => e.orders.completion.p99)),
        trivialStartP50: median(equal.map((e) => e.trivial.accept.p50)),
        trivialStartP99: median(equal.map((e) => e.trivial.accept.p99)),
        trivialCompletionP50: median(equal.map((e) => e.trivial.completion.p50)),
        trivialCompletionP99: median(equal.map((e) => e.trivial.completion.p99)),
        errors: equal.reduce((a, e) => a + e.orders.errors + e.trivial.errors, 0),
      },
      cpuMsPerOrder: cpuPerOrder,
      cpuMsPerTrivial: cpuPerTrivial,
      cpuIsNetOfIdle: Boolean(idle.rates),
      idleCpuMsPerSecond: idle.rates,
      grossCpuMsPerOrder: grossPerOrder,
      grossCpuMsPerTrivial: grossPerTrivial,
      cpuMsPerDirectOrder: Object.fromEntries(Object.entries(directCpu).map(([k, v]) => [k, median(v)])),
    },
  };
  return ordersBest;
}

/**
 * Checkout vs POST /api/orders, one unit of a random product each, until PAID: each kind's
 * highest sustained rate (a step search, like the order placement's), then both at one rate
 * (half the lower of the two), twice, interleaved, for latency and CPU per order side by side.
 */
async function runCheckout(env: BenchEnv, results: Record<string, unknown>): Promise<void> {
  log('== checkout (PUT /api/cart/items/:id + POST /api/cart/checkout) vs POST /api/orders, until PAID ==');
  const kinds = ['checkout', 'orders'] as const;
  type Slim = ReturnType<typeof slimFlow>;
  const search: Record<string, { estimate: number; best?: Slim; steps: Slim[] }> = {};
  for (const kind of kinds) {
    const s = await flowSearch(env, kind, [0.6, 0.8, 1, 1.25, 1.55, 1.9], STEP.checkoutMs, log);
    search[kind] = { estimate: s.estimate, best: slimFlow(s.best), steps: s.steps.map(slimFlow) };
    if (!s.best) log(`  ${kind}: no step sustained (lowest tried ${s.steps[0]?.offeredRps}/s)`);
  }
  const bestOf = (k: string) => search[k].best?.offeredRps ?? NaN;
  const lower = Math.min(bestOf('checkout'), bestOf('orders'));
  const rate = Math.max(1, Math.round((Number.isFinite(lower) ? lower : 4) / 2));
  await new Promise((r) => setTimeout(r, 2000));
  idle.rates ??= await idleCpuRates(env.pids(), 3000);
  const equal: { checkout: FlowStep; orders: FlowStep }[] = [];
  for (let k = 0; k < 2; k++) {
    const run = {} as { checkout: FlowStep; orders: FlowStep };
    for (const kind of k === 0 ? kinds : [...kinds].reverse()) {
      run[kind] = await flowStep(env, kind, rate, STEP.checkoutMs, log);
      log(describeFlow(run[kind]));
    }
    equal.push(run);
  }
  const at = (k: 'checkout' | 'orders', pick: (s: FlowStep) => number) => median(equal.map((e) => pick(e[k])));
  const cpuTotal = (s: FlowStep) => Object.values(s.netCpuMsPerOp ?? s.cpuMsPerOp).reduce((a, b) => a + b, 0);
  const cpuBy = (k: 'checkout' | 'orders') =>
    Object.fromEntries(
      Object.keys(equal[0][k].cpuMsPerOp).map((name) => [
        name,
        median(equal.map((e) => (e[k].netCpuMsPerOp ?? e[k].cpuMsPerOp)[name])),
      ]),
    );
  results.checkout = {
    stepMs: STEP.checkoutMs,
    search,
    equalRate: { rate, runs: equal.map((e) => ({ checkout: slimFlow(e.checkout), orders: slimFlow(e.orders) })) },
    summary: {
      checkoutMaxRps: bestOf('checkout'),
      ordersMaxRps: bestOf('orders'),
      checkoutVsOrders: bestOf('checkout') / bestOf('orders'),
      rate,
      ...Object.fromEntries(
        kinds.flatMap((k) => [
          [`${k}AcceptP50`, at(k, (s) => s.accept.p50)],
          [`${k}AcceptP99`, at(k, (s) => s.accept.p99)],
          [`${k}PaidP50`, at(k, (s) => s.completion.p50)],
          [`${k}PaidP99`, at(k, (s) => s.completion.p99)],
          [`${k}CpuMsPerOrder`, at(k, cpuTotal)],
          [`${k}Errors`, equal.reduce((a, e) => a + e[k].errors, 0)],
        ]),
      ),
      addItemP50: at('checkout', (s) => s.phases?.addItem.p50 ?? NaN),
      addItemP99: at('checkout', (s) => s.phases?.addItem.p99 ?? NaN),
      checkoutRequestP50: at('checkout', (s) => s.phases?.checkout.p50 ?? NaN),
      checkoutRequestP99: at('checkout', (s) => s.phases?.checkout.p99 ?? NaN),
      cpuMsPerCheckoutByProcess: cpuBy('checkout'),
      cpuMsPerOrderByProcess: cpuBy('orders'),
      cpuIsNetOfIdle: Boolean(idle.rates),
    },
  };
}

async function runMixed(env: BenchEnv, results: Record<string, unknown>, ordersBest: number): Promise<void> {
  log('== mixed shop load: browse 10 : view order 3 : cart round 2 : place order 1 : cancel 0.2 ==');
  await seedOrders(env, MIXED_SEED_ORDERS);
  const perOrder = Object.values(MIX).reduce((a, b) => a + b, 0) / MIX.placeOrder;
  const base = (Number.isFinite(ordersBest) ? ordersBest : 4) * perOrder;
  const ladder = [0.35, 0.55, 0.75, 0.95].map((f) => Math.max(5, Math.round(base * f)));
  const steps: MixedStep[] = [];
  let best: MixedStep | undefined;
  for (const rps of ladder) {
    if (overBudget() && best) {
      log('  time budget reached: higher mixed steps skipped');
      break;
    }
    const s = await mixedStep(env, rps, STEP.mixedMs);
    log(describeMixed(s));
    steps.push(s);
    if (!s.sustained) break;
    best = s;
  }
  results.mixed = { mix: MIX, steps: steps.map(slimMixed), best: slimMixed(best) };
}

/**
 * Foreign load (busy CPU not ours) over 2 s windows; waits, up to `maxWaitMs`, for a window
 * under `threshold` of the machine. Returns the last measured foreign load.
 */
async function waitForQuiet(env: BenchEnv, maxWaitMs: number, threshold = 0.15): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let load = 1;
  for (;;) {
    const w = cpuWindow(env.pids());
    await new Promise((r) => setTimeout(r, 2000));
    const c = w.stop();
    load = c.unaccountedMs / c.machineCapacityMs;
    if (load < threshold || Date.now() >= deadline) return load;
    log(
      `  foreign load ${(100 * load).toFixed(0)}% of the machine: waiting for it to calm down (up to ${Math.round((deadline - Date.now()) / 1000)} s more)`,
    );
  }
}

/** Foreign load of every measured step (for the report's caveat). */
function foreignLoads(results: Record<string, unknown>): number[] {
  const out: number[] = [];
  const visit = (x: unknown) => {
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) return x.forEach(visit);
    const o = x as Record<string, unknown>;
    if (typeof o.foreignLoad === 'number' && (typeof o.offeredRps === 'number' || o.generator === 'wrk'))
      out.push(o.foreignLoad);
    for (const v of Object.values(o)) if (v && typeof v === 'object') visit(v);
  };
  visit({ catalog: results.catalog, flows: results.flows, mixed: results.mixed, checkout: results.checkout });
  return out;
}

async function main(): Promise<void> {
  mkdirSync(resultsDir, { recursive: true });
  const profileDir = PROFILE ? path.join(os.tmpdir(), `shop-bench-profiles-${Date.now()}`) : undefined;
  const shopEnv = {
    ...SHOP_ENV,
    ...(profileDir
      ? { NODE_OPTIONS: `--require ${path.join(__dirname, 'profile', 'preload.cjs')}`, BENCH_PROFILE_DIR: profileDir }
      : {}),
  };
  log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const env = await setupEnv({ customers: 20, orderProducts: 100, shopEnv, log });
  // Interrupted (Ctrl-C, a CI timeout): still stop every process and drop the database.
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) return; // a repeated signal must not cut the teardown short
      interrupted = true;
      log(`${signal}: tearing down`);
      closeAgents();
      void env.teardown().finally(() => process.exit(130));
    });
  }
  const results: Record<string, unknown> = {
    version: 1,
    label: option('label')[0] ?? null,
    startedAt: new Date(t0).toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      temporal: versionOf(temporalCli(), ['--version']),
      mariadb: versionOf('mysql', ['-uroot', '-h127.0.0.1', '-N', '-e', 'select version()']),
      redis: versionOf('redis-server', ['--version']),
      loadavgAtStart: os.loadavg(),
    },
    method: {
      reps: REPS,
      stepMs: STEP,
      readP99BudgetMs: READ_P99_BUDGET_MS,
      flowBudget: FLOW_BUDGET,
      completionPollMs: POLL_MS,
      shopEnv: SHOP_ENV,
    },
  };
  const pids = env.pids();
  const cpuAtStart = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, p ? cpuMs(p) : undefined]));
  let failed: unknown;
  try {
    if (profileDir) {
      for (const name of ['gateway', 'worker:users', 'worker:catalog', 'worker:orders', 'worker:notifications']) {
        const pid = pids[name];
        if (pid) process.kill(pid, 'SIGUSR2');
      }
    }
    const quiet = await waitForQuiet(env, Number(process.env.BENCH_QUIET_WAIT_MS ?? 30_000));
    log(`foreign load before measuring: ${(100 * quiet).toFixed(0)}% of the machine`);
    if (ONLY.has('catalog')) await runCatalog(env, results);
    // The mixed load runs between the two order repetitions, so that a tight time budget costs
    // the second repetition rather than the mixed scenario.
    let mixedDone = false;
    const mixed = async (ordersBest: number) => {
      if (!ONLY.has('mixed') || mixedDone) return;
      mixedDone = true;
      if (pastHardStop()) log('time budget exhausted: mixed scenario skipped');
      else await runMixed(env, results, ordersBest);
    };
    let ordersBest = NaN;
    if (ONLY.has('orders')) ordersBest = await runFlows(env, results, REPS > 1 ? mixed : undefined);
    await mixed(ordersBest);
    if (ONLY.has('checkout')) await runCheckout(env, results);
  } catch (err) {
    failed = err;
    log(`FAILED: ${(err as Error).stack ?? err}`);
    for (const l of recentShopLogs().slice(-30)) log(`  | ${l}`);
  } finally {
    const memory: Record<string, { peakMiB: number; rssMiB: number; cpuMsTotal?: number }> = {};
    for (const [name, pid] of Object.entries(pids)) {
      const m = pid ? memoryMiB(pid) : undefined;
      const c = pid ? cpuMs(pid) : undefined;
      if (m && name !== 'mariadb' && name !== 'redis')
        memory[name] = {
          peakMiB: m.peak,
          rssMiB: m.current,
          cpuMsTotal: c !== undefined && cpuAtStart[name] !== undefined ? c - cpuAtStart[name]! : undefined,
        };
    }
    results.processes = memory;
    results.ordersPlaced = placedOrders.length;
    closeAgents();
    await env.teardown();
    log('teardown done');
  }
  if (profileDir) {
    const profiles: Record<string, unknown> = {};
    for (const f of readdirSync(profileDir).filter((n) => n.endsWith('.cpuprofile'))) {
      const s = summariseProfile(path.join(profileDir, f), 15);
      profiles[f] = {
        busyMs: s.totalMs,
        byPackage: s.byPackage.slice(0, 15),
        topSelf: s.topSelf,
        topInclusive: s.topInclusive,
      };
    }
    results.profiles = {
      dir: profileDir,
      note: 'profiling slows every process: use these for proportions, never for the throughput figures',
      profiles,
    };
    log(`profiles in ${profileDir}`);
  }
  const loads = foreignLoads(results);
  results.foreignLoad = { median: median(loads), max: loads.length ? Math.max(...loads) : NaN, steps: loads.length };
  results.finishedAt = new Date().toISOString();
  results.durationS = Math.round((Date.now() - t0) / 1000);
  results.machine = { ...(results.machine as object), loadavgAtEnd: os.loadavg() };
  results.log = lines;
  const stamp = new Date(t0).toISOString().replace(/[:.]/g, '-');
  const json = JSON.stringify(results, null, 1);
  writeFileSync(
    path.join(resultsDir, `${stamp}${results.label ? `-${String(results.label).replace(/[^\w.-]/g, '_')}` : ''}.json`),
    json,
  );
  const md = renderMarkdown(results);
  if (!flag('no-latest') && !failed) {
    writeFileSync(path.join(resultsDir, 'latest.json'), json);
    writeFileSync(path.join(resultsDir, 'latest.md'), md);
  }
  process.stdout.write(`\n${md}\n`);
  if (failed) process.exit(1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
