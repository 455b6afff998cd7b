// An open-loop load generator: requests are sent at a constant arrival rate whatever the
// server's latency (no coordinated omission), and each latency is measured from the request's
// scheduled send time. Percentiles come from the full sample set (exact, not bucketed).
import http from 'node:http';

export interface LoadResult {
  offeredRps: number;
  achievedRps: number;
  sent: number;
  ok: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  durationMs: number;
}

export interface RequestSpec {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** A response counts as success when this returns true (default: 2xx). */
  ok?: (status: number) => boolean;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const agents = new Map<string, http.Agent>();

export function send(baseUrl: string, spec: RequestSpec): Promise<{ status: number; body: string }> {
  const url = new URL(spec.path, baseUrl);
  let agent = agents.get(url.host);
  if (!agent) {
    agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    agents.set(url.host, agent);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: spec.method, headers: { ...(spec.body ? { 'content-type': 'application/json' } : {}), ...spec.headers }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    if (spec.body) req.write(spec.body);
    req.end();
  });
}

/** Sends `rps` requests per second for `durationMs`; next() gives each request. */
export async function openLoop(baseUrl: string, rps: number, durationMs: number, next: (i: number) => RequestSpec | Promise<RequestSpec>): Promise<LoadResult> {
  const total = Math.max(1, Math.round((rps * durationMs) / 1000));
  const interval = 1000 / rps;
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const scheduled = start + i * interval;
    const wait = scheduled - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      (async () => {
        try {
          const spec = await next(i);
          const res = await send(baseUrl, spec);
          latencies.push(performance.now() - scheduled);
          if ((spec.ok ?? ((s: number) => s >= 200 && s < 300))(res.status)) ok++;
          else errors++;
        } catch {
          latencies.push(performance.now() - scheduled);
          errors++;
        }
      })(),
    );
  }
  await Promise.all(inflight);
  const elapsed = performance.now() - start;
  latencies.sort((a, b) => a - b);
  return {
    offeredRps: rps,
    achievedRps: (ok / elapsed) * 1000,
    sent: total,
    ok,
    errors,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1],
    durationMs: elapsed,
  };
}

/**
 * The highest offered rate (stepping up) that the target sustains: every request succeeds,
 * achieved ≥ 95% of offered and p99 under the latency budget.
 */
export async function maxSustainedRate(baseUrl: string, opts: { startRps: number; factor: number; maxRps: number; stepMs: number; p99BudgetMs: number }, next: (i: number) => RequestSpec | Promise<RequestSpec>): Promise<{ best?: LoadResult; steps: LoadResult[] }> {
  const steps: LoadResult[] = [];
  let best: LoadResult | undefined;
  for (let rps = opts.startRps; rps <= opts.maxRps; rps = Math.round(rps * opts.factor)) {
    const r = await openLoop(baseUrl, rps, opts.stepMs, next);
    steps.push(r);
    const sustained = r.errors === 0 && r.achievedRps >= 0.95 * rps && r.p99 <= opts.p99BudgetMs;
    if (!sustained) break;
    best = r;
  }
  return { best, steps };
}
