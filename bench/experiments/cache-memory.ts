// Memory of the orders pool as open orders accumulate: every PAID order's workflow stays open
// (it waits for shipOrder or cancelOrder), so it sits in the orders worker's workflow cache
// until evicted. Places orders at a steady rate and samples the orders worker's RSS and its CPU
// per order, window by window.
//   tsx bench/experiments/cache-memory.ts [--rate=8] [--seconds=90] [--cache=<WORKER_MAX_CACHED_WORKFLOWS>]
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setupEnv } from '../env';
import { closeAgents } from '../load';
import { cpuMs, memoryMiB } from '../proc';
import { flowStep } from '../scenarios';

const opt = (name: string, def: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def;
const RATE = Number(opt('rate', '8'));
const SECONDS = Number(opt('seconds', '90'));
const CACHE = opt('cache', '');
const log = (m: string) => process.stderr.write(`${m}\n`);

async function main(): Promise<void> {
  const env = await setupEnv({
    customers: 20,
    orderProducts: 100,
    shopEnv: CACHE ? { WORKER_MAX_CACHED_WORKFLOWS: CACHE } : {},
    log,
  });
  const rows: {
    openOrders: number;
    rssMiB: number;
    cpuMsPerOrder: number;
    acceptP99: number;
    paidP99: number;
    foreign: number;
  }[] = [];
  try {
    const pid = env.pids()['worker:orders']!;
    let open = 0;
    for (let t = 0; t < SECONDS; t += 10) {
      const c0 = cpuMs(pid)!;
      const s = await flowStep(env, 'orders', RATE, 10_000, () => undefined);
      open += s.completed;
      const row = {
        openOrders: open,
        rssMiB: memoryMiB(pid)!.current,
        cpuMsPerOrder: (cpuMs(pid)! - c0) / Math.max(1, s.completed),
        acceptP99: s.accept.p99,
        paidP99: s.completion.p99,
        foreign: s.foreignLoad,
      };
      rows.push(row);
      log(
        `open orders ${open}: orders worker RSS ${row.rssMiB.toFixed(0)} MiB, ${row.cpuMsPerOrder.toFixed(1)} ms CPU/order, accept p99 ${row.acceptP99.toFixed(0)} ms, PAID p99 ${row.paidP99.toFixed(0)} ms, foreign ${(100 * row.foreign).toFixed(0)}%`,
      );
    }
  } finally {
    closeAgents();
    await env.teardown();
  }
  const dir = path.join(__dirname, '..', 'results', 'experiments');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-cache-memory-${CACHE || 'default'}.json`),
    JSON.stringify({ rate: RATE, cache: CACHE || 'SDK default', rows }, null, 1),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
