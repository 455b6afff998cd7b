// Summarises V8 .cpuprofile files (from bench/profile/preload.cjs): self time by package
// (node_modules/<pkg>, the project's own folders, node: internals, GC, idle) and the top
// functions by self and by inclusive time. `tsx bench/profile/summarise.ts <file> [top]`.
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function packageOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native/builtin)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const m = /\/(?:dist\/)?(api|activities|workers|workflows|common|db|bench|scripts)\//.exec(url);
  if (m) return `(project) ${m[1]}`;
  return url;
}

export interface ProfileSummary {
  totalMs: number;
  byPackage: { name: string; ms: number; pct: number }[];
  topSelf: { name: string; ms: number; pct: number }[];
  topInclusive: { name: string; ms: number; pct: number }[];
}

export function summarise(file: string, top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++)
    selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const label = (n: Node) =>
    `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/main\//, '')}:${n.callFrame.lineNumber + 1}`;
  const pkg = new Map<string, number>();
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)') continue;
    total += us;
    const k = packageOf(n.callFrame.url, n.callFrame.functionName);
    pkg.set(k, (pkg.get(k) ?? 0) + us);
    self.set(label(n), (self.get(label(n)) ?? 0) + us);
    // Inclusive: each distinct frame label on the stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      incl.set(l, (incl.get(l) ?? 0) + us);
    }
  }
  const rows = (m: Map<string, number>, k: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, us]) => ({ name, ms: us / 1000, pct: (100 * us) / total }));
  return { totalMs: total / 1000, byPackage: rows(pkg, 30), topSelf: rows(self, top), topInclusive: rows(incl, top) };
}

if (require.main === module) {
  const s = summarise(process.argv[2], Number(process.argv[3] ?? 25));
  const fmt = (r: { name: string; ms: number; pct: number }) =>
    `${r.pct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(6)} ms  ${r.name}`;
  console.log(`busy ${s.totalMs.toFixed(0)} ms\n-- self time by package --`);
  s.byPackage.forEach((r) => console.log(fmt(r)));
  console.log('-- top functions, self --');
  s.topSelf.forEach((r) => console.log(fmt(r)));
  console.log('-- top functions, inclusive --');
  s.topInclusive.forEach((r) => console.log(fmt(r)));
}
