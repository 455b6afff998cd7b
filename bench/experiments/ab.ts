// A/B experiments for the optimisations: one world (bench/env.ts), two configurations, the
// same load at the same arrival rate, interleaved (A B B A A B...), CPU per order per process
// and latency per configuration. Configuration = environment of chosen shop processes
// (restarted to apply it) and/or extra dev-server arguments (the dev server is replaced).
//
//   tsx bench/experiments/ab.ts <A> <B> [--rate=4] [--step=8000] [--rounds=3] [--kind=orders|trivial]
//
// Variants are named in VARIANTS below; `base` is the configuration the shop ships with.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type BenchEnv, setupEnv } from '../env';
import { closeAgents } from '../load';
import { type FlowStep, describeFlow, flowStep, idle } from '../scenarios';
import { sdkDefaultMaxCachedWorkflows } from '../../workers/run-worker';
import { idleCpuRates } from '../proc';

interface Variant {
  describe: string;
  /** Environment of the shop's processes (undefined removes a key), and which processes to restart. */
  env?: (current: NodeJS.ProcessEnv) => Record<string, string | undefined>;
  restart?: string[];
  /** Extra `temporal server start-dev` arguments. */
  server?: string[];
}

const ALL = ['users', 'catalog', 'orders', 'notifications', 'api'];
const WORKERS = ['users', 'catalog', 'orders', 'notifications'];

export const VARIANTS: Record<string, Variant> = {
  base: { describe: 'as shipped' },
  'smtp-pool': {
    describe: 'nodemailer connection pool (SMTP_URL …?pool=true): one SMTP connection reused instead of one per e-mail',
    env: (e) => ({ SMTP_URL: `${String(e.SMTP_URL).replace(/\/?(\?.*)?$/, '')}/?pool=true&maxConnections=5` }),
    restart: ['notifications'],
  },
  'cache-uncapped': {
    describe: "the SDK's heap-based workflow cache size (before the runner capped it at 250)",
    env: () => ({ WORKER_MAX_CACHED_WORKFLOWS: String(sdkDefaultMaxCachedWorkflows()) }),
    restart: WORKERS,
  },
  'pool-4': {
    describe: 'MYSQL_POOL_SIZE=4 everywhere (default 10)',
    env: () => ({ MYSQL_POOL_SIZE: '4' }),
    restart: ALL,
  },
  'log-warn': {
    describe: 'LOG_LEVEL=warn everywhere (default info): what per-request and per-order logging costs',
    env: () => ({ LOG_LEVEL: 'warn' }),
    restart: ALL,
  },
  'partitions-1': {
    describe: 'dev server with one partition per task queue (matching.numTaskqueue{Read,Write}Partitions=1; default 4)',
    server: [
      '--dynamic-config-value',
      'matching.numTaskqueueReadPartitions=1',
      '--dynamic-config-value',
      'matching.numTaskqueueWritePartitions=1',
    ],
  },
  'eager-activities': {
    describe:
      "dev server with system.enableActivityEagerExecution=true (activities on the workflow's own queue dispatched in the workflow task response)",
    server: ['--dynamic-config-value', 'system.enableActivityEagerExecution=true'],
  },
};

const args = process.argv.slice(2);
const opt = (name: string, def: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def;
const names = args.filter((a) => !a.startsWith('--'));
const RATE = Number(opt('rate', '4'));
const STEP_MS = Number(opt('step', '8000'));
const ROUNDS = Number(opt('rounds', '3'));
const KIND = opt('kind', 'orders') as 'orders' | 'trivial';

const t0 = Date.now();
const log = (m: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(3)}s] ${m}\n`);
const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

async function apply(
  env: BenchEnv,
  v: Variant,
  baseEnv: NodeJS.ProcessEnv,
  current: { server: string },
): Promise<void> {
  // Reset to the base environment, then apply the variant's.
  for (const k of Object.keys(env.shopEnv)) if (!(k in baseEnv)) delete env.shopEnv[k];
  Object.assign(env.shopEnv, baseEnv);
  for (const [k, val] of Object.entries(v.env?.(baseEnv) ?? {})) {
    if (val === undefined) delete env.shopEnv[k];
    else env.shopEnv[k] = val;
  }
  const server = JSON.stringify(v.server ?? []);
  if (server !== current.server) {
    log(`  dev server → ${server}`);
    await env.restartDevServer(v.server ?? []);
    current.server = server;
  }
}

async function main(): Promise<void> {
  if (names.length !== 2 || !names.every((n) => n in VARIANTS)) {
    console.error(
      `usage: ab.ts <A> <B> [--rate=4] [--step=8000] [--rounds=3] [--kind=orders|trivial]\nvariants: ${Object.keys(VARIANTS).join(', ')}`,
    );
    process.exit(2);
  }
  const env = await setupEnv({ customers: 20, orderProducts: 100, log });
  const baseEnv = { ...env.shopEnv };
  const current = { server: '[]' };
  const runs: Record<string, FlowStep[]> = { [names[0]]: [], [names[1]]: [] };
  let restartedFor: string | undefined;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [names[1], names[0]] : [names[0], names[1]];
      for (const name of order) {
        const v = VARIANTS[name];
        await apply(env, v, baseEnv, current);
        // Restart what either variant touches, so both run on equally fresh processes.
        const restart = [...new Set([...(VARIANTS[names[0]].restart ?? []), ...(VARIANTS[names[1]].restart ?? [])])];
        if (restart.length && restartedFor !== name) {
          for (const p of restart) await env.restartShopProcess(p);
          restartedFor = name;
        }
        await flowStep(env, KIND, RATE, 3000, () => undefined); // warm-up (JIT, caches, connections)
        await new Promise((r) => setTimeout(r, 1500)); // let the warm-up's tail (e-mails) finish
        idle.rates = await idleCpuRates(env.pids(), 3000);
        const s = await flowStep(env, KIND, RATE, STEP_MS, log);
        log(`${name}: ${describeFlow(s)}`);
        runs[name].push(s);
      }
    }
  } finally {
    closeAgents();
    await env.teardown();
  }
  const procs = [...new Set(Object.values(runs).flatMap((rs) => rs.flatMap((r) => Object.keys(r.cpuMsPerOp))))];
  const row = (name: string) => {
    const rs = runs[name];
    const cpu = Object.fromEntries(procs.map((p) => [p, median(rs.map((r) => r.netCpuMsPerOp?.[p] ?? NaN))]));
    return {
      name,
      describe: VARIANTS[name].describe,
      cpuMsPerOp: cpu,
      cpuMsPerOpTotal: Object.values(cpu)
        .filter(Number.isFinite)
        .reduce((a, b) => a + b, 0),
      acceptP50: median(rs.map((r) => r.accept.p50)),
      acceptP99: median(rs.map((r) => r.accept.p99)),
      completionP50: median(rs.map((r) => r.completion.p50)),
      completionP99: median(rs.map((r) => r.completion.p99)),
      errors: rs.reduce((a, r) => a + r.errors, 0),
      foreignLoad: median(rs.map((r) => r.foreignLoad)),
    };
  };
  const a = row(names[0]);
  const b = row(names[1]);
  const lines = [
    `${KIND} at ${RATE}/s, ${ROUNDS} rounds of ${STEP_MS / 1000} s, interleaved; medians`,
    `| | ${a.name} | ${b.name} | change |`,
    '|---|---|---|---|',
  ];
  const pct = (x: number, y: number) =>
    Number.isFinite(x) && Number.isFinite(y) && x !== 0 ? `${(((y - x) / x) * 100).toFixed(0)}%` : '';
  for (const p of procs) {
    const x = a.cpuMsPerOp[p];
    const y = b.cpuMsPerOp[p];
    if ((x ?? 0) < 0.1 && (y ?? 0) < 0.1) continue;
    lines.push(`| net CPU ms/op ${p} | ${x.toFixed(2)} | ${y.toFixed(2)} | ${pct(x, y)} |`);
  }
  lines.push(
    `| net CPU ms/op, all processes | ${a.cpuMsPerOpTotal.toFixed(1)} | ${b.cpuMsPerOpTotal.toFixed(1)} | ${pct(a.cpuMsPerOpTotal, b.cpuMsPerOpTotal)} |`,
  );
  for (const k of ['acceptP50', 'acceptP99', 'completionP50', 'completionP99'] as const)
    lines.push(`| ${k} ms | ${a[k].toFixed(0)} | ${b[k].toFixed(0)} | ${pct(a[k], b[k])} |`);
  lines.push(
    `| errors | ${a.errors} | ${b.errors} | |`,
    `| foreign load | ${(100 * a.foreignLoad).toFixed(0)}% | ${(100 * b.foreignLoad).toFixed(0)}% | |`,
  );
  const dir = path.join(__dirname, '..', 'results', 'experiments');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, `${new Date(t0).toISOString().replace(/[:.]/g, '-')}-${KIND}-${names.join('-vs-')}.json`),
    JSON.stringify({ rate: RATE, stepMs: STEP_MS, rounds: ROUNDS, kind: KIND, a, b, runs }, null, 1),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
