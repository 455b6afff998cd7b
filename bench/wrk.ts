// wrk (the Debian package) as the HTTP load generator of the catalog-read scenarios: a C event
// loop spends a few µs per request where the Node generator (bench/load.ts) spends tens, so the
// bare handler's figure is the server's, not the generator's. wrk is closed-loop (N connections,
// each sends its next request when the answer arrives): it measures the highest throughput at
// that concurrency, and latency under that saturation (its own percentiles, from an HDR
// histogram). Its CPU is measured exactly: it runs under `sh`, whose `times` prints the CPU of
// the children it waited for.
//
// Missing wrk: installed once with apt-get when running as root (BENCH_WRK_INSTALL=0 to skip);
// else, or with BENCH_WRK=0, the scenarios fall back to the Node generator.
import { spawn, spawnSync } from 'node:child_process';

let available: boolean | undefined;

/** Whether wrk can be used (installing it first, as root, when it is missing). */
export function wrkAvailable(log: (m: string) => void): boolean {
  if (available !== undefined) return available;
  if (process.env.BENCH_WRK === '0') return (available = false);
  const has = () => spawnSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' }).status === 0;
  if (!has() && process.getuid?.() === 0 && process.env.BENCH_WRK_INSTALL !== '0') {
    log('  wrk is missing: apt-get install -y wrk');
    const r = spawnSync('apt-get', ['install', '-y', '-q', 'wrk'], {
      stdio: 'ignore',
      timeout: 180_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.status !== 0) log(`  apt-get install wrk failed (exit ${r.status}): falling back to the Node generator`);
  }
  available = has();
  if (!available) log('  wrk not available: the catalog read uses the Node load generator');
  return available;
}

/** "wrk debian/4.1.0-3+b2 [epoll]" (wrk -v prints it and exits non-zero). */
export function wrkVersion(): string {
  const r = spawnSync('wrk', ['-v'], { encoding: 'utf8', timeout: 5000 });
  return (
    `${r.stdout ?? ''}${r.stderr ?? ''}`
      .split('\n')[0]
      .replace(/ Copyright.*/, '')
      .trim() || 'unknown'
  );
}

export interface WrkResult {
  requests: number;
  durationS: number;
  rps: number;
  /** Responses that were not 2xx/3xx, plus socket errors (connect, read, write, timeout). */
  errors: number;
  p50: number;
  p75: number;
  p90: number;
  p99: number;
  /** CPU of the wrk process over its run, as a fraction of one core. */
  cpu: number;
  cpuMs: number;
  connections: number;
  threads: number;
}

const toMs = (v: string, unit: string) => Number(v) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1);
const clock = (m: string, s: string) => (Number(m) * 60 + Number(s)) * 1000;

export function parseWrk(out: string): Omit<WrkResult, 'cpu' | 'cpuMs' | 'connections' | 'threads'> {
  const pct = (p: number) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
    return m ? toMs(m[1], m[2]) : NaN;
  };
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const requests = total ? Number(total[1]) : 0;
  const durationS = total ? (total[3] === 'm' ? Number(total[2]) * 60 : toMs(total[2], total[3]) / 1000) : NaN;
  return {
    requests,
    durationS,
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    errors: Number(non2xx?.[1] ?? 0) + (socket ? socket.slice(1, 5).reduce((a, b) => a + Number(b), 0) : 0),
    p50: pct(50),
    p75: pct(75),
    p90: pct(90),
    p99: pct(99),
  };
}

/** One wrk run against `url` (GET), with these headers. */
export function runWrk(o: {
  url: string;
  headers?: Record<string, string>;
  durationS: number;
  connections: number;
  threads?: number;
}): Promise<WrkResult> {
  const threads = o.threads ?? 1;
  const argv = [
    `-t${threads}`,
    `-c${o.connections}`,
    `-d${o.durationS}s`,
    '--latency',
    ...Object.entries(o.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    o.url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', 'wrk "$@"; s=$?; times; exit $s', 'sh', ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited ${code}: ${(err || out).slice(0, 300)}`));
      // `times`: the shell's own user/system, then its children's (wrk).
      const lines = [...out.matchAll(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/g)];
      const children = lines[lines.length - 1];
      const cpuMs = children ? clock(children[1], children[2]) + clock(children[3], children[4]) : NaN;
      const parsed = parseWrk(out);
      resolve({
        ...parsed,
        cpuMs,
        cpu: cpuMs / (parsed.durationS * 1000),
        connections: o.connections,
        threads,
      });
    });
  });
}
