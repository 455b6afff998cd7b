// Where the orders pool's CPU goes, by thread: places orders at a steady rate and reads each
// thread's CPU from /proc/<pid>/task/<tid>/stat. The Node main thread runs activities (local
// ones too) and the SDK's activation plumbing; the SDK's workflow thread (a worker thread, also
// named "node", started after the four V8 platform threads) runs workflow code in its V8
// context; tokio-runtime-worker threads are the SDK core (Rust).
//   tsx bench/experiments/worker-threads.ts [--rate=8] [--seconds=30] [--pool=orders]
import { readFileSync, readdirSync } from 'node:fs';
import { setupEnv } from '../env';
import { closeAgents } from '../load';
import { flowStep } from '../scenarios';

const opt = (name: string, def: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def;
const RATE = Number(opt('rate', '8'));
const SECONDS = Number(opt('seconds', '30'));
const POOL = opt('pool', 'orders');
const log = (m: string) => process.stderr.write(`${m}\n`);
const TICK_MS = 1000 / 100; // USER_HZ

function threads(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(f[11]) + Number(f[12])) * TICK_MS;
      const key = Number(tid) === pid ? 'main (node)' : `${name} #${tid}`;
      byName.set(key, (byName.get(key) ?? 0) + ms);
    } catch {
      // the thread ended
    }
  }
  return byName;
}

async function main(): Promise<void> {
  const env = await setupEnv({ customers: 20, orderProducts: 100, shopEnv: {}, log });
  try {
    const pid = env.pids()[`worker:${POOL}`]!;
    await flowStep(env, 'orders', RATE, 5_000, () => undefined); // warm-up
    const before = threads(pid);
    const s = await flowStep(env, 'orders', RATE, SECONDS * 1000, () => undefined);
    const after = threads(pid);
    const rows = [...after]
      .map(([name, ms]) => ({ name, msPerOrder: (ms - (before.get(name) ?? 0)) / Math.max(1, s.completed) }))
      .sort((a, b) => b.msPerOrder - a.msPerOrder);
    const total = rows.reduce((a, r) => a + r.msPerOrder, 0);
    log(`${s.completed} orders at ${RATE}/s; ${POOL} worker ${total.toFixed(1)} ms CPU per order`);
    for (const r of rows.filter((x) => x.msPerOrder >= 0.05))
      log(`  ${r.name.padEnd(24)} ${r.msPerOrder.toFixed(1)} ms (${((100 * r.msPerOrder) / total).toFixed(0)}%)`);
  } finally {
    closeAgents();
    await env.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
