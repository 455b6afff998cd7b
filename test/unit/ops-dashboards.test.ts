// The Grafana dashboards and their provisioning (ops/grafana) and the alert rules
// (ops/prometheus/alerts.yml): well-formed, provisioned where docker-compose mounts them, every
// query valid PromQL (promtool) naming only metrics the shop's code exports. Gateway and business
// names are checked here against a registry built by common/metrics.ts; the Temporal SDK names
// (temporal_*) against a real scrape of a worker in test/integration/observability.test.ts.
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Histogram } from 'prom-client';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { businessMetrics, createRegistry } from '../../common/metrics';
import {
  ALERTS_FILE,
  PROMETHEUS_SYNTHETIC,
  REPO,
  RUNBOOK_FILE,
  allPanels,
  alertQueries,
  dashboardQueries,
  grafanaToPromQL,
  loadAlertRules,
  loadDashboards,
  markdownAnchors,
  markdownSections,
  metricNamesIn,
  promtool,
  registrySeriesNames,
  runPromtool,
} from '../support/obs-ops';

const dashboards = loadDashboards();
const queries = [...dashboardQueries(), ...alertQueries()];

describe('metric name extraction', () => {
  it('finds metric names, not functions, keywords, labels, durations or Grafana macros', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{role="api", route=~"$route", x="a_b"}[$__rate_interval]))) > 1e3 and on (job) up offset 5m',
      ),
    ).toEqual(['http_request_duration_seconds_bucket', 'up']);
    expect(metricNamesIn('sum(rate(a_total[5m])) / sum(rate(b_total[5m])) * 60')).toEqual(['a_total', 'b_total']);
    expect(grafanaToPromQL('rate(x{a=~"${task_queue}"}[$__rate_interval])')).toBe('rate(x{a=~".*"}[5m])');
  });
});

describe.each(dashboards.map((d) => [d.file, d.json] as const))('dashboard %s', (file, d) => {
  it('is a provisionable dashboard: stable uid, tags, the datasource variable, unique panel IDs on a 24-column grid', () => {
    expect(d.uid).toMatch(/^shop-[a-z0-9-]+$/);
    expect(d.title).toMatch(/^Shop · /);
    expect(d.tags).toContain('temporal-shop');
    expect(d.id).toBeUndefined(); // provisioned dashboards get their numeric id from Grafana
    const ds = d.templating.list.find((v: { name: string }) => v.name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const panels = allPanels(d);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      expect([p.title, p.gridPos.x + p.gridPos.w <= 24, p.gridPos.h > 0]).toEqual([p.title, true, true]);
    }
  });

  it('queries Prometheus through the datasource variable in every panel, each panel with at least one query', () => {
    for (const p of allPanels(d)) {
      if (p.type === 'row' || p.type === 'text') continue;
      expect([p.title, p.datasource]).toEqual([p.title, { type: 'prometheus', uid: '${datasource}' }]);
      expect([p.title, p.targets.length > 0]).toEqual([p.title, true]);
      for (const t of p.targets) {
        expect([p.title, t.datasource?.uid, typeof t.expr === 'string' && t.expr.trim().length > 0]).toEqual([
          p.title,
          '${datasource}',
          true,
        ]);
      }
    }
  });

  it(`uses only variables it defines (${file})`, () => {
    const defined = new Set([
      '__rate_interval',
      '__interval',
      '__range',
      ...d.templating.list.map((v: { name: string }) => v.name),
    ]);
    const used = new Set([...JSON.stringify(d.panels).matchAll(/\$\{?(\w+)/g)].map((m) => m[1]));
    for (const v of used) expect([v, defined.has(v)]).toEqual([v, true]);
  });
});

describe('provisioning', () => {
  it('gives every dashboard a unique uid and title', () => {
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(dashboards.length);
    expect(new Set(dashboards.map((d) => d.json.title)).size).toBe(dashboards.length);
    expect(dashboards.map((d) => d.file)).toEqual(['api-red.json', 'business.json', 'temporal-sdk.json']);
  });

  it('provisions the Prometheus datasource under the uid the dashboards default to', () => {
    const doc = parseYaml(readFileSync(path.join(REPO, 'ops/grafana/provisioning/datasources/prometheus.yml'), 'utf8'));
    expect(doc.apiVersion).toBe(1);
    const prom = doc.datasources.find((d: { type: string }) => d.type === 'prometheus');
    expect(prom).toMatchObject({ uid: 'prometheus', access: 'proxy', isDefault: true, url: 'http://prometheus:9090' });
    for (const { json } of dashboards)
      expect(json.templating.list.find((v: { name: string }) => v.name === 'datasource').current.value).toBe(prom.uid);
  });

  it('loads the dashboards from where docker-compose.yml mounts ops/grafana/dashboards', () => {
    const doc = parseYaml(readFileSync(path.join(REPO, 'ops/grafana/provisioning/dashboards/shop.yml'), 'utf8'));
    const provider = doc.providers[0];
    expect(provider).toMatchObject({ type: 'file', options: { path: '/var/lib/grafana/dashboards' } });
    const composeFile = path.join(REPO, 'docker-compose.yml');
    if (existsSync(composeFile)) {
      const compose = parseYaml(readFileSync(composeFile, 'utf8'));
      const mounts = (compose.services.grafana?.volumes ?? []).map((v: string) => v.split(':').slice(0, 2).join(':'));
      expect(mounts).toEqual(
        expect.arrayContaining([
          './ops/grafana/dashboards:/var/lib/grafana/dashboards',
          './ops/grafana/provisioning:/etc/grafana/provisioning',
        ]),
      );
    }
  });
});

describe('queries name only exported metrics', () => {
  it('has queries to check', () => {
    expect(queries.length).toBeGreaterThan(50);
  });

  it('names gateway and business metrics defined in common/metrics.ts (temporal_* are checked against a real SDK scrape)', async () => {
    const exported = await registrySeriesNames();
    const unknown: string[] = [];
    for (const q of queries) {
      const names = metricNamesIn(q.expr);
      expect([q.source, names.length > 0]).toEqual([q.source, true]);
      for (const n of names)
        if (!n.startsWith('temporal_') && !exported.has(n) && !PROMETHEUS_SYNTHETIC.has(n))
          unknown.push(`${q.source}: ${n}`);
    }
    expect(unknown).toEqual([]);
  });

  it('uses only label names the shop metrics really have', () => {
    // A typo in a label (statusCode, outcomes) silently matches nothing: check them too.
    const m = businessMetrics(createRegistry('labels'));
    const allowed = new Map<string, Set<string>>();
    for (const metric of Object.values(m)) {
      const { name, labelNames } = metric as unknown as { name: string; labelNames: string[] };
      const labels = new Set([...labelNames, 'role', 'job', 'instance']); // role: createRegistry's default label
      allowed.set(name, labels);
      if (metric instanceof Histogram)
        for (const suffix of ['_bucket', '_count', '_sum'])
          allowed.set(name + suffix, new Set([...labels, ...(suffix === '_bucket' ? ['le'] : [])]));
    }
    let checked = 0;
    for (const q of queries) {
      for (const sel of grafanaToPromQL(q.expr).matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\{([^}]*)\}/g)) {
        const labels = allowed.get(sel[1]);
        if (!labels) continue;
        for (const l of sel[2].matchAll(/([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)/g)) {
          checked++;
          expect([q.source, sel[1], l[1], labels.has(l[1])]).toEqual([q.source, sel[1], l[1], true]);
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
  });
});

describe('promtool', () => {
  it('accepts the alert rules (promtool check rules)', () => {
    const bin = promtool(); // fails with how to install it, unless ALLOW_NO_PROMTOOL=1
    if (!bin) return expect(process.env.ALLOW_NO_PROMTOOL).toBe('1');
    const r = runPromtool(bin, ['check', 'rules', ALERTS_FILE]);
    expect([r.status, r.output]).toEqual([0, expect.stringContaining('SUCCESS')]);
  });

  it('accepts ops/prometheus/prometheus.yml with these rules (promtool check config; rule_files pointed at the repository file)', () => {
    const bin = promtool(); // fails with how to install it, unless ALLOW_NO_PROMTOOL=1
    if (!bin) return expect(process.env.ALLOW_NO_PROMTOOL).toBe('1');
    const config = parseYaml(readFileSync(path.join(REPO, 'ops/prometheus/prometheus.yml'), 'utf8'));
    expect(config.rule_files).toEqual(['/etc/prometheus/alerts.yml']); // where docker-compose.yml mounts alerts.yml
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ops-prom-')), 'prometheus.yml');
    writeFileSync(file, toYaml({ ...config, rule_files: [ALERTS_FILE] }));
    const r = runPromtool(bin, ['check', 'config', file]);
    const rules = parseYaml(readFileSync(ALERTS_FILE, 'utf8')).groups.flatMap((g: { rules: unknown[] }) => g.rules);
    expect(rules.length).toBe(loadAlertRules().length + 1); // the alerts and the KEDA slot series
    expect([r.status, r.output]).toEqual([0, expect.stringContaining(`SUCCESS: ${rules.length} rules found`)]);
  });

  it('parses every dashboard query as PromQL (as recording rules, promtool check rules)', () => {
    const bin = promtool(); // fails with how to install it, unless ALLOW_NO_PROMTOOL=1
    if (!bin) return expect(process.env.ALLOW_NO_PROMTOOL).toBe('1');
    const rules = dashboardQueries().map((q, i) => ({
      record: `dashboard:query_${i}`,
      expr: grafanaToPromQL(q.expr),
      labels: { source: q.source },
    }));
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ops-dash-')), 'dashboard-queries.yml');
    writeFileSync(file, toYaml({ groups: [{ name: 'dashboards', rules }] }));
    const r = runPromtool(bin, ['check', 'rules', file]);
    expect([r.status, r.output]).toEqual([0, expect.stringContaining(`SUCCESS: ${rules.length} rules found`)]);
  });
});

describe('alert rules', () => {
  const rules = loadAlertRules();

  it('cover error rate, p99 latency, schedule-to-start latency, payment failures and exhausted worker slots', () => {
    const byName = Object.fromEntries(rules.map((r) => [r.alert, r]));
    expect(byName.ShopApiHighErrorRate.expr).toContain('status_code=~"5.."');
    expect(byName.ShopApiLatencyP99High.expr).toContain('histogram_quantile(0.99');
    expect(byName.WorkflowTaskScheduleToStartHigh.expr).toContain(
      'temporal_workflow_task_schedule_to_start_latency_bucket',
    );
    expect(byName.ActivityScheduleToStartHigh.expr).toContain('temporal_activity_schedule_to_start_latency_bucket');
    expect(byName.PaymentFailureRateHigh.expr).toContain('shop_payments_total{kind="charge", result="error"}');
    expect(byName.WorkerTaskSlotsExhausted.expr).toContain('temporal_worker_task_slots_available');
  });

  it('have a severity, a summary, a description and a runbook section that exists in docs/operations.md', () => {
    const anchors = markdownAnchors(RUNBOOK_FILE);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const r of rules) {
      expect([r.alert, r.labels?.severity]).toEqual([r.alert, expect.stringMatching(/^(critical|warning|info)$/)]);
      expect([r.alert, typeof r.annotations?.summary, typeof r.annotations?.description]).toEqual([
        r.alert,
        'string',
        'string',
      ]);
      const [file, anchor] = String(r.annotations?.runbook).split('#');
      expect([r.alert, file, anchors.has(anchor)]).toEqual([r.alert, 'docs/operations.md', true]);
    }
  });

  it("link the runbook section that is about them: the section's own text (to the next heading) names the alert", () => {
    const sections = markdownSections(RUNBOOK_FILE);
    const elsewhere = rules
      .map((r) => ({ alert: r.alert, anchor: String(r.annotations?.runbook).split('#')[1] }))
      .filter(({ alert, anchor }) => !(sections.get(anchor) ?? '').includes(`\`${alert}\``));
    expect(elsewhere).toEqual([]);
  });
});
