// Helpers for validating the observability files in ops/: every PromQL expression of the
// Grafana dashboards (panels and variable queries) and of the alert rules, the metric names
// they use, the metric names an exposition (a /metrics scrape) really carries, and promtool.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { businessMetrics, createRegistry } from '../../common/metrics';

export const REPO = path.resolve(__dirname, '..', '..');
export const DASHBOARD_DIR = path.join(REPO, 'ops', 'grafana', 'dashboards');
export const ALERTS_FILE = path.join(REPO, 'ops', 'prometheus', 'alerts.yml');
export const RUNBOOK_FILE = path.join(REPO, 'docs', 'operations.md');

/** Metrics Prometheus itself synthesizes for every target (not exported by any code). */
export const PROMETHEUS_SYNTHETIC = new Set(['up']);

export interface Query {
  /** Where the expression lives, for failure messages. */
  source: string;
  expr: string;
}

export type Json = any;

export function loadDashboards(): { file: string; json: Json }[] {
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(path.join(DASHBOARD_DIR, file), 'utf8')) }));
}

/** Panels, with the panels of collapsed rows. */
export function allPanels(dashboard: Json): Json[] {
  return (dashboard.panels ?? []).flatMap((p: Json) => [p, ...(p.panels ?? [])]);
}

/** PromQL of every panel target; variable queries (`label_values(metric, label)`) as their metric selector. */
export function dashboardQueries(): Query[] {
  const out: Query[] = [];
  for (const { file, json } of loadDashboards()) {
    for (const panel of allPanels(json)) {
      for (const t of panel.targets ?? [])
        if (t.expr !== undefined) out.push({ source: `${file} › ${panel.title} › ${t.refId}`, expr: String(t.expr) });
    }
    for (const v of json.templating?.list ?? []) {
      if (v.type !== 'query') continue;
      const q = String(typeof v.query === 'object' ? v.query.query : v.query);
      const m = /^label_values\((.+),\s*[A-Za-z_][A-Za-z0-9_]*\)$/.exec(q.trim());
      if (!m) throw new Error(`${file}: variable ${v.name} uses an unsupported query: ${q}`);
      out.push({ source: `${file} › variable ${v.name}`, expr: m[1] });
    }
  }
  return out;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function loadAlertRules(): AlertRule[] {
  const doc = parseYaml(readFileSync(ALERTS_FILE, 'utf8')) as { groups: { name: string; rules: AlertRule[] }[] };
  // Alerts only: the recording rules (the KEDA scaling series) have `record` instead.
  return doc.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
}

export function alertQueries(): Query[] {
  return loadAlertRules().map((r) => ({ source: `alerts.yml › ${r.alert}`, expr: r.expr }));
}

/** Grafana's macros and variables replaced so the expression is plain PromQL. */
export function grafanaToPromQL(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)\b/g, '5m').replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, '.*');
}

const NOT_METRICS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/** The metric names a PromQL expression selects (functions, keywords, labels and durations left out). */
export function metricNamesIn(expr: string): string[] {
  let s = grafanaToPromQL(expr);
  s = s.replace(/#.*$/gm, ' ');
  s = s.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  s = s.replace(/\{[^}]*\}/g, ' ');
  s = s.replace(/\[[^\]]*\]/g, ' ');
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ');
  const names = new Set<string>();
  for (const m of s.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const i = m.index ?? 0;
    if (i > 0 && /[0-9.]/.test(s[i - 1])) continue; // the exponent or unit of a number
    if (/^\s*\(/.test(s.slice(i + m[0].length))) continue; // a function call
    if (NOT_METRICS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names].sort();
}

/**
 * Series names an exposition carries: every sample's name, and for each `# TYPE` (a metric with
 * labels but no sample yet still declares itself) the names its samples will have.
 */
export function seriesNamesIn(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      const [, name, kind] = type;
      if (kind === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
      else if (kind === 'summary') for (const s of ['', '_sum', '_count']) names.add(name + s);
      else names.add(name);
      continue;
    }
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]);
  }
  return names;
}

/** Series names of a gateway/worker registry as built by common/metrics.ts (no server needed). */
export async function registrySeriesNames(): Promise<Set<string>> {
  const registry = createRegistry('validation');
  businessMetrics(registry);
  return seriesNamesIn(await registry.metrics());
}

/** The promtool binary, or a failure that says how to get it (ALLOW_NO_PROMTOOL=1 to skip its checks). */
export function promtool(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'promtool');
    if (dir && existsSync(candidate)) return candidate;
  }
  if (process.env.ALLOW_NO_PROMTOOL === '1') return undefined;
  throw new Error(
    "promtool is not installed: install Debian's `prometheus` package (apt-get install -y prometheus), or set ALLOW_NO_PROMTOOL=1 to skip the promtool checks",
  );
}

export function runPromtool(bin: string, args: string[]): { status: number | null; output: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** The GitHub-style anchor of a markdown heading's text. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** GitHub-style anchors of the markdown headings of a file. */
export function markdownAnchors(file: string): Set<string> {
  return new Set(markdownSections(file).keys());
}

/**
 * Each heading's anchor and the section's own text: from the heading to the next heading of any
 * level (a subsection is its own section). Headings inside fenced code blocks are not headings.
 */
export function markdownSections(file: string): Map<string, string> {
  const sections = new Map<string, string>();
  let current: string | undefined;
  let fenced = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^```/.test(line)) fenced = !fenced;
    const h = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (h) {
      current = headingAnchor(h[1]);
      sections.set(current, '');
    } else if (current !== undefined) sections.set(current, `${sections.get(current)}${line}\n`);
  }
  return sections;
}
