// An open-loop load generator: operations are issued at a constant arrival rate whatever the
// server's latency (no coordinated omission), and each latency is measured from the
// operation's *scheduled* start, so time an operation spent waiting for a socket, or for this
// generator to get the CPU back, counts against the system under test. Percentiles come from
// the full sample set (exact, not bucketed).
//
// The generator shares the machine with what it measures (2 cores here), so every result also
// says how late the generator itself fired (sendLag) and how much CPU it used (loadgenCpu):
// a run whose generator was saturated says so instead of passing its own limit off as the
// server's.
import http from 'node:http';

/** What one operation returned: true for success, or a short error kind ("503", "timeout"...). */
export type Outcome = true | string;
/** Operation i, scheduled at `scheduled` (performance.now() time base). */
export type Op = (i: number, scheduled: number) => Promise<Outcome>;

export interface LoadResult {
  offeredRps: number;
  /** Successful operations per second over the sending window plus the drain of the last ones. */
  achievedRps: number;
  sent: number;
  ok: number;
  errors: number;
  errorKinds: Record<string, number>;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  durationMs: number;
  /** p99 of (actual issue time − scheduled time): > a few ms means the generator fell behind. */
  sendLagP99: number;
  /** CPU of this (the generator's) process during the step, as a fraction of one core. */
  loadgenCpu: number;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summarise(values: number[]): {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
} {
  const s = Float64Array.from(values).sort();
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN;
  return {
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    p999: percentile(s, 99.9),
    max: s.length ? s[s.length - 1] : NaN,
    mean,
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Issues `rps` operations per second for `durationMs`, then waits for the last ones to finish.
 * `onDone` sees each operation's scheduled time and latency (for per-operation bookkeeping).
 */
export async function openLoop(
  rps: number,
  durationMs: number,
  op: Op,
  opts: { onDone?: (i: number, scheduled: number, latencyMs: number, outcome: Outcome) => void } = {},
): Promise<LoadResult> {
  const total = Math.max(1, Math.round((rps * durationMs) / 1000));
  const interval = 1000 / rps;
  const latencies: number[] = [];
  const lags: number[] = [];
  const errorKinds: Record<string, number> = {};
  let ok = 0;
  let errors = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  let i = 0;
  while (i < total) {
    const now = performance.now();
    // Fire everything that is due (several per timer tick at high rates), then sleep to the next.
    while (i < total && start + i * interval <= now) {
      const scheduled = start + i * interval;
      const n = i++;
      lags.push(performance.now() - scheduled);
      inflight.push(
        op(n, scheduled).then(
          (outcome) => {
            const latency = performance.now() - scheduled;
            latencies.push(latency);
            if (outcome === true) ok++;
            else {
              errors++;
              errorKinds[outcome] = (errorKinds[outcome] ?? 0) + 1;
            }
            opts.onDone?.(n, scheduled, latency, outcome);
          },
          (err: unknown) => {
            const latency = performance.now() - scheduled;
            latencies.push(latency);
            errors++;
            const kind = String((err as Error)?.message ?? err).slice(0, 60);
            errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
            opts.onDone?.(n, scheduled, latency, kind);
          },
        ),
      );
    }
    if (i < total) {
      const wait = start + i * interval - performance.now();
      await (wait >= 1 ? sleep(wait) : new Promise<void>((r) => setImmediate(r)));
    }
  }
  await Promise.all(inflight);
  const elapsed = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  return {
    offeredRps: rps,
    achievedRps: (ok / elapsed) * 1000,
    sent: total,
    ok,
    errors,
    errorKinds,
    ...summarise(latencies),
    durationMs: elapsed,
    sendLagP99: summarise(lags).p99,
    loadgenCpu: (cpu.user + cpu.system) / 1000 / elapsed,
  };
}

/** `concurrency` loops issuing operations back to back for `durationMs`: a capacity probe. */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  op: Op,
): Promise<{ rps: number; ok: number; errors: number }> {
  const end = performance.now() + durationMs;
  let ok = 0;
  let errors = 0;
  let n = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        try {
          if ((await op(n++, performance.now())) === true) ok++;
          else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { rps: (ok / (performance.now() - start)) * 1000, ok, errors };
}

export interface SearchResult<R> {
  best?: R;
  steps: R[];
}

/**
 * Steps up through `rates` until a step is not sustained, then bisects between the last
 * sustained rate and the failed one (`refine` times, while they are more than 8% apart); the
 * best is the highest sustained step. A failed step is run once more before it counts (unless
 * `retry` says the failure was clear-cut), so that one burst of foreign load on a shared
 * machine is not taken for saturation.
 */
export async function searchMaxRate<R extends { offeredRps: number }>(
  rates: number[],
  run: (rps: number) => Promise<R>,
  sustained: (r: R) => boolean,
  opts: {
    onStep?: (r: R, ok: boolean) => void;
    retry?: (failed: R) => boolean;
    beforeRetry?: () => Promise<void>;
    refine?: number;
    round?: (rps: number) => number;
  } = {},
): Promise<SearchResult<R>> {
  const steps: R[] = [];
  let best: R | undefined;
  const attempt = async (rps: number): Promise<R | undefined> => {
    let r = await run(rps);
    steps.push(r);
    let ok = sustained(r);
    opts.onStep?.(r, ok);
    if (!ok && (opts.retry?.(r) ?? true)) {
      await opts.beforeRetry?.();
      r = await run(rps);
      steps.push(r);
      ok = sustained(r);
      opts.onStep?.(r, ok);
    }
    return ok ? r : undefined;
  };
  let failedAt: number | undefined;
  for (const rps of rates) {
    const r = await attempt(rps);
    if (!r) {
      failedAt = rps;
      break;
    }
    best = r;
  }
  const roundRate = opts.round ?? ((x: number) => Math.round(x));
  // The ladder's first step failed (a disturbed machine, or an estimate carried over from an
  // easier repetition): step down rather than report nothing.
  for (const f of [0.75, 0.5]) {
    if (best || failedAt === undefined) break;
    const lower = roundRate(rates[0] * f);
    if (lower < 1 || lower >= failedAt) break;
    const r = await attempt(lower);
    if (r) best = r;
    else failedAt = lower;
  }
  const refine = typeof opts.refine === 'number' ? opts.refine : 2;
  for (let k = 0; k < refine && best && failedAt !== undefined && failedAt / best.offeredRps > 1.08; k++) {
    const mid = roundRate((best.offeredRps + failedAt) / 2);
    if (mid <= best.offeredRps || mid >= failedAt) break;
    const r = await attempt(mid);
    if (r) best = r;
    else failedAt = mid;
  }
  return { best, steps };
}

// ---- HTTP ----------------------------------------------------------------------------------

export interface RequestSpec {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** A response counts as success when this returns true (default: 2xx). */
  ok?: (status: number) => boolean;
}

export interface HttpResponse {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

const agents = new Map<string, http.Agent>();

/** One keep-alive agent per host, shared by every step (connections are reused across steps). */
function agentFor(host: string): http.Agent {
  let agent = agents.get(host);
  if (!agent) {
    agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
    agents.set(host, agent);
  }
  return agent;
}

export function send(baseUrl: string, spec: RequestSpec, timeoutMs = 30_000): Promise<HttpResponse> {
  const url = new URL(spec.path, baseUrl);
  const agent = agentFor(url.host);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...spec.headers };
    if (spec.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(spec.body));
    }
    const req = http.request(url, { method: spec.method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    if (spec.body !== undefined) req.write(spec.body);
    req.end();
  });
}

/** An operation sending the request `next(i)` describes; non-success statuses are error kinds. */
export function httpOp(
  baseUrl: string,
  next: (i: number) => RequestSpec | Promise<RequestSpec>,
  check?: (res: HttpResponse, i: number) => Outcome,
): Op {
  return async (i) => {
    const spec = await next(i);
    const res = await send(baseUrl, spec);
    if (check) return check(res, i);
    return (spec.ok ?? ((s: number) => s >= 200 && s < 300))(res.status) ? true : String(res.status);
  };
}

/** Closes idle keep-alive sockets (between phases, and at the end). */
export function closeAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}
