// The lean placeOrder experiment: the shop's placeOrder and the lean variant
// (lean-order.workflow.ts), both started by update-with-start from this process exactly as the
// gateway does it (no HTTP), at the same arrival rate, interleaved; accept and PAID latency, net
// CPU per order per process, history length, and (--search) the highest sustained rate of each.
//   tsx bench/experiments/lean-order/run.ts [--rate=3] [--step=8000] [--rounds=3] [--search]
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { type BenchEnv, setupEnv, startChild } from '../../env';
import { type Op, closeAgents, openLoop, searchMaxRate, summarise } from '../../load';
import { cpuWindow, idleCpuRates, netCpuPerOp } from '../../proc';
import { CompletionTracker, FLOW_BUDGET } from '../../scenarios';
import { ORDERS_TASK_QUEUE, type PlaceOrderInput, orderWorkflowId, submitOrderUpdate, submitOrderUpdateId } from '../../../workflows/orders/contract';
import { LEAN_ORDERS_TASK_QUEUE } from './lean-order.workflow';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def;
const RATE = Number(opt('rate', '3'));
const STEP_MS = Number(opt('step', '8000'));
const ROUNDS = Number(opt('rounds', '3'));
const t0 = Date.now();
const log = (m: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(3)}s] ${m}\n`);
const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

type Variant = 'placeOrder' | 'leanPlaceOrder';
const QUEUE: Record<Variant, string> = { placeOrder: ORDERS_TASK_QUEUE, leanPlaceOrder: LEAN_ORDERS_TASK_QUEUE };

function op(env: BenchEnv, variant: Variant, tracker: CompletionTracker, ids: string[]): Op {
  return async (i, scheduled) => {
    const customer = env.customers[i % env.customers.length];
    const orderId = randomUUID();
    const input: PlaceOrderInput = {
      orderId,
      userId: customer.id,
      lines: [{ productId: env.orderProducts[i % env.orderProducts.length], quantity: 1 }],
      paymentMethod: 'pm_card_visa',
      requestHash: null,
      createdAt: new Date().toISOString(),
      paymentTimeoutMs: 15 * 60_000,
    };
    await env.temporal.workflow.executeUpdateWithStart(submitOrderUpdate, {
      args: [{ requestHash: null }],
      updateId: submitOrderUpdateId(null),
      startWorkflowOperation: new WithStartWorkflowOperation(variant, { workflowId: orderWorkflowId(orderId), taskQueue: QUEUE[variant], args: [input], workflowIdConflictPolicy: 'USE_EXISTING' }),
    });
    tracker.track(orderId, scheduled);
    ids.push(orderId);
    return true;
  };
}

async function step(env: BenchEnv, variant: Variant, rps: number, ms: number, idle?: Record<string, number>) {
  const tracker = new CompletionTracker(env);
  tracker.start();
  const ids: string[] = [];
  const w = cpuWindow(env.pids());
  const r = await openLoop(rps, ms, op(env, variant, tracker, ids));
  const incomplete = await tracker.drain(FLOW_BUDGET.drainTimeoutMs);
  tracker.stop();
  tracker.abandon();
  // Let the e-mails of the step finish too (they are part of an order's work).
  await new Promise((res) => setTimeout(res, 1000));
  const cpu = w.stop();
  const done = tracker.done.filter((d) => d.status === 'PAID');
  const completion = summarise(done.map((d) => d.latency));
  const sustained = r.errors === 0 && incomplete === 0 && r.p99 <= FLOW_BUDGET.acceptP99Ms && completion.p99 <= FLOW_BUDGET.completionP99Ms;
  return { variant, offeredRps: rps, accept: { p50: r.p50, p99: r.p99 }, completion, errors: r.errors + incomplete, completed: done.length, net: idle ? netCpuPerOp(cpu, idle, done.length) : undefined, foreignLoad: cpu.unaccountedMs / cpu.machineCapacityMs, sustained, ids };
}

async function main(): Promise<void> {
  const env = await setupEnv({ customers: 20, orderProducts: 100, log });
  let lean: Awaited<ReturnType<typeof startChild>> | undefined;
  const runs: Record<Variant, Awaited<ReturnType<typeof step>>[]> = { placeOrder: [], leanPlaceOrder: [] };
  const history: Record<string, number> = {};
  const search: Record<string, unknown> = {};
  try {
    lean = await startChild('lean-worker', ['--import', 'tsx', path.join(__dirname, 'lean-worker.ts')], { ...env.shopEnv, TEMPORAL_ADDRESS: env.stack.temporalAddress }, log);
    const pids = () => ({ ...env.pids(), 'lean-worker': lean!.child.pid });
    const envWithLean = { ...env, pids } as BenchEnv;
    for (let round = 0; round < ROUNDS; round++) {
      const order: Variant[] = round % 2 ? ['leanPlaceOrder', 'placeOrder'] : ['placeOrder', 'leanPlaceOrder'];
      for (const v of order) {
        await step(envWithLean, v, RATE, 2000);
        const idle = await idleCpuRates(pids(), 3000);
        const s = await step(envWithLean, v, RATE, STEP_MS, idle);
        log(`${v} at ${RATE}/s: accept p50/p99 ${s.accept.p50.toFixed(0)}/${s.accept.p99.toFixed(0)} ms, PAID p50/p99 ${s.completion.p50.toFixed(0)}/${s.completion.p99.toFixed(0)} ms, net CPU/order ${Object.values(s.net ?? {}).reduce((a, b) => a + b, 0).toFixed(1)} ms, errors ${s.errors}, foreign ${(100 * s.foreignLoad).toFixed(0)}%`);
        runs[v].push(s);
        if (!history[v] && s.ids[0]) history[v] = (await env.temporal.workflow.getHandle(orderWorkflowId(s.ids[0])).fetchHistory()).events?.length ?? NaN;
      }
    }
    if (args.includes('--search')) {
      for (const v of ['placeOrder', 'leanPlaceOrder', 'placeOrder', 'leanPlaceOrder'] as Variant[]) {
        const ladder = [3, 4, 5, 6, 8, 10, 12, 15, 18, 22, 26, 30];
        const res = await searchMaxRate(ladder, (rps) => step(envWithLean, v, rps, 6000), (s) => s.sustained, {
          onStep: (s, ok) => log(`  ${v} ${s.offeredRps}/s: accept p99 ${s.accept.p99.toFixed(0)} ms, PAID p99 ${s.completion.p99.toFixed(0)} ms, errors ${s.errors} ${ok ? '✓' : '✗'}`),
          retry: (s) => s.errors === 0 && s.completion.p99 < 3 * FLOW_BUDGET.completionP99Ms,
        });
        ((search[v] ??= []) as number[]).push(res.best?.offeredRps ?? NaN);
      }
    }
  } finally {
    closeAgents();
    await lean?.stop();
    await env.teardown();
  }
  const procs = [...new Set(Object.values(runs).flatMap((rs) => rs.flatMap((r) => Object.keys(r.net ?? {}))))];
  const rows = (Object.keys(runs) as Variant[]).map((v) => {
    const rs = runs[v];
    const cpu = Object.fromEntries(procs.map((p) => [p, median(rs.map((r) => r.net?.[p] ?? NaN))]));
    return { v, cpu, total: Object.values(cpu).filter(Number.isFinite).reduce((a, b) => a + b, 0), acceptP50: median(rs.map((r) => r.accept.p50)), acceptP99: median(rs.map((r) => r.accept.p99)), paidP50: median(rs.map((r) => r.completion.p50)), paidP99: median(rs.map((r) => r.completion.p99)), errors: rs.reduce((a, r) => a + r.errors, 0), foreign: median(rs.map((r) => r.foreignLoad)) };
  });
  const [a, b] = rows;
  const pct = (x: number, y: number) => (x ? `${(((y - x) / x) * 100).toFixed(0)}%` : '');
  const out = [`| at ${RATE}/s, ${ROUNDS} interleaved rounds of ${STEP_MS / 1000} s (medians) | placeOrder (as shipped) | lean variant | change |`, '|---|---|---|---|'];
  out.push(`| history events per PAID order | ${history.placeOrder} | ${history.leanPlaceOrder} | |`);
  for (const p of procs) if ((a.cpu[p] ?? 0) >= 0.1 || (b.cpu[p] ?? 0) >= 0.1) out.push(`| net CPU ms/order: ${p} | ${a.cpu[p].toFixed(1)} | ${b.cpu[p].toFixed(1)} | ${pct(a.cpu[p], b.cpu[p])} |`);
  out.push(`| net CPU ms/order: all processes | ${a.total.toFixed(1)} | ${b.total.toFixed(1)} | ${pct(a.total, b.total)} |`);
  for (const k of ['acceptP50', 'acceptP99', 'paidP50', 'paidP99'] as const) out.push(`| ${k} (ms) | ${a[k].toFixed(0)} | ${b[k].toFixed(0)} | ${pct(a[k], b[k])} |`);
  out.push(`| errors | ${a.errors} | ${b.errors} | |`, `| foreign load | ${(100 * a.foreign).toFixed(0)}% | ${(100 * b.foreign).toFixed(0)}% | |`);
  if (Object.keys(search).length) out.push(`| highest sustained rate (each search) | ${(search.placeOrder as number[]).join(', ')} /s | ${(search.leanPlaceOrder as number[]).join(', ')} /s | |`);
  const dir = path.join(__dirname, '..', '..', 'results', 'experiments');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${new Date(t0).toISOString().replace(/[:.]/g, '-')}-lean-order.json`), JSON.stringify({ rate: RATE, stepMs: STEP_MS, rounds: ROUNDS, rows, history, search, runs: Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, v.map(({ ids: _ids, ...rest }) => rest)])) }, null, 1));
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
