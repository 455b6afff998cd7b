// Where the gateway's CPU per cached read goes: the layer ladder of gateway-layers-server.ts
// driven at one arrival rate (below every layer's saturation), CPU µs per request of that one
// process per layer (idle CPU removed), median of interleaved rounds.
//   tsx bench/experiments/gateway-layers.ts [--rate=1500] [--step=3000] [--rounds=2]
// run-bench.ts runs it too (--layers).
import path from 'node:path';
import { type BenchEnv, setupEnv, startChild } from '../env';
import { closeAgents, closedLoop, httpOp, openLoop } from '../load';
import { cpuMs, idleCpuRates } from '../proc';
import { LAYERS } from './gateway-layers-server';

export interface LayerResult {
  layer: string;
  cpuUsPerReq: number;
  /** Redis server CPU per request (the rate limiter's and the cache's commands). */
  redisUsPerReq: number;
  /** Added by this layer (vs the previous one). */
  deltaUs: number;
  p50: number;
  p99: number;
  errors: number;
}

const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

export async function gatewayLayers(
  env: BenchEnv,
  opts: { rate: number; stepMs: number; rounds: number; log: (m: string) => void },
): Promise<LayerResult[]> {
  const child = await startChild(
    'gateway-layers',
    ['--import', 'tsx', path.join(__dirname, 'gateway-layers-server.ts')],
    {
      ...env.shopEnv,
      TEMPORAL_ADDRESS: env.stack.temporalAddress,
      BENCH_PRODUCT_JSON: JSON.stringify(env.readProduct),
      PORT: '0',
    },
    opts.log,
  );
  try {
    const ports = child.readyLine.split(' ').slice(1).map(Number);
    const pid = child.child.pid!;
    const ops = ports.map((port, k) =>
      httpOp(
        `http://127.0.0.1:${port}`,
        () => ({ method: 'GET', path: `/api/products/${env.readProduct.id}` }),
        (res) =>
          res.status !== 200
            ? String(res.status)
            : k >= LAYERS.length - 2 && res.headers['x-cache'] !== 'HIT'
              ? `X-Cache ${res.headers['x-cache']}`
              : true,
      ),
    );
    for (const op of ops) await closedLoop(8, 500, op); // warm-up: JIT, connections, the cache entry
    const redisPid = env.pids().redis;
    const idleRates = await idleCpuRates({ layers: pid, redis: redisPid }, 2000);
    const idle = idleRates.layers ?? 0;
    const perLayer: { cpu: number[]; redis: number[]; p50: number[]; p99: number[]; errors: number }[] = LAYERS.map(
      () => ({ cpu: [], redis: [], p50: [], p99: [], errors: 0 }),
    );
    for (let round = 0; round < opts.rounds; round++) {
      const order = LAYERS.map((_, k) => k);
      if (round % 2) order.reverse();
      for (const k of order) {
        const c0 = cpuMs(pid)!;
        const r0 = redisPid ? (cpuMs(redisPid) ?? 0) : 0;
        const t = performance.now();
        const r = await openLoop(opts.rate, opts.stepMs, ops[k]);
        const wall = performance.now() - t;
        const used = cpuMs(pid)! - c0 - (idle * wall) / 1000;
        const redisUsed = redisPid ? (cpuMs(redisPid) ?? 0) - r0 - ((idleRates.redis ?? 0) * wall) / 1000 : NaN;
        perLayer[k].cpu.push((used * 1000) / Math.max(1, r.ok));
        perLayer[k].redis.push((redisUsed * 1000) / Math.max(1, r.ok));
        perLayer[k].p50.push(r.p50);
        perLayer[k].p99.push(r.p99);
        perLayer[k].errors += r.errors;
      }
    }
    const out: LayerResult[] = [];
    LAYERS.forEach((layer, k) => {
      const cpu = median(perLayer[k].cpu);
      const prev = k === 0 || k === LAYERS.length - 1 ? NaN : out[k - 1].cpuUsPerReq;
      out.push({
        layer,
        cpuUsPerReq: cpu,
        redisUsPerReq: Math.max(0, median(perLayer[k].redis)),
        deltaUs: k === 0 ? cpu : k === LAYERS.length - 1 ? NaN : cpu - prev,
        p50: median(perLayer[k].p50),
        p99: median(perLayer[k].p99),
        errors: perLayer[k].errors,
      });
      opts.log(
        `  ${layer}: ${cpu.toFixed(0)} µs/request${k > 0 && k < LAYERS.length - 1 ? ` (+${(cpu - prev).toFixed(0)})` : ''}, p50 ${median(perLayer[k].p50).toFixed(2)} ms`,
      );
    });
    return out;
  } finally {
    await child.stop();
  }
}

if (require.main === module) {
  const opt = (name: string, def: string) =>
    process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def;
  const log = (m: string) => process.stderr.write(`${m}\n`);
  (async () => {
    const env = await setupEnv({ customers: 1, orderProducts: 1, log });
    try {
      const rows = await gatewayLayers(env, {
        rate: Number(opt('rate', '1500')),
        stepMs: Number(opt('step', '3000')),
        rounds: Number(opt('rounds', '2')),
        log,
      });
      process.stdout.write(
        `| layer | gateway CPU µs/request | added | Redis CPU µs/request | p50 ms | errors |\n|---|---|---|---|---|---|\n${rows.map((r) => `| ${r.layer} | ${r.cpuUsPerReq.toFixed(0)} | ${Number.isFinite(r.deltaUs) ? `${r.deltaUs >= 0 ? '+' : ''}${r.deltaUs.toFixed(0)}` : ''} | ${r.redisUsPerReq.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.errors} |`).join('\n')}\n`,
      );
    } finally {
      closeAgents();
      await env.teardown();
    }
  })().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
