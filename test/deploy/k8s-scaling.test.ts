// Scaling and sizing of the worker pools as rendered by `kubectl kustomize` for each overlay:
// every ScaledObject has two triggers, the Temporal backlog (with a TriggerAuthentication for
// mTLS or an API key, read from a Secret that docs/deploy.md documents) and the pool's worker
// slot use through Prometheus (backlog alone scales a pool down while every slot is busy: a
// fast pool drains its queue between polls); and every Deployment requests at least the memory
// its process was measured to use (deploy/measured-memory.yaml, and the latest bench run).
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { DOMAINS } from '../../workers/worker-spec';
import { ALERTS_FILE } from '../support/obs-ops';
import { type K8sObject, kustomize, loadYaml, named, ofKind, readRepoFile, repoPath } from './support/deploy-helpers';

const OVERLAYS = ['k8s/overlays/dev', 'k8s/overlays/prod'] as const;
/** The recording rule the slot trigger queries (ops/prometheus/alerts.yml, group shop-worker-scaling). */
const BUSY_WORKERS = 'task_queue:temporal_worker_task_slots:busy_workers';
/** KEDA's temporal scaler: authentication parameters (keda-docs, scalers/temporal). */
const TEMPORAL_AUTH_PARAMS = ['apiKey', 'ca', 'cert', 'key'];

/** A Kubernetes memory quantity in MiB. */
function mebibytes(q: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q));
  if (!m) throw new Error(`not a memory quantity: ${q}`);
  const factor: Record<string, number> = {
    '': 1 / 2 ** 20,
    Ki: 1 / 1024,
    Mi: 1,
    Gi: 1024,
    Ti: 1024 ** 2,
    k: 1e3 / 2 ** 20,
    M: 1e6 / 2 ** 20,
    G: 1e9 / 2 ** 20,
    T: 1e12 / 2 ** 20,
  };
  return Number(m[1]) * factor[m[2] ?? ''];
}

interface Measured {
  mib: number;
  measured: string;
  source: string;
  bench?: string;
}
const measured = loadYaml<Record<string, Measured>>('deploy', 'measured-memory.yaml');
const bench = JSON.parse(readRepoFile('bench', 'results', 'latest.json')) as {
  processes: Record<string, { peakMiB: number }>;
};

describe('deploy/measured-memory.yaml', () => {
  it('has a figure, what was measured and its source for the gateway and every pool', () => {
    expect(Object.keys(measured).sort()).toEqual(['shop-gateway', ...DOMAINS.map((d) => `shop-worker-${d}`)].sort());
    for (const [name, m] of Object.entries(measured)) {
      expect([name, m.mib > 0, typeof m.measured, typeof m.source]).toEqual([name, true, 'string', 'string']);
      // The source holds the figure (rounded to the MiB).
      const file = m.source.split(' ')[0];
      const text = readRepoFile(file);
      const figures = [...text.matchAll(/([\d,]+) MiB/g)].map((x) => Number(x[1].replace(/,/g, '')));
      expect([name, figures.some((f) => Math.abs(f - m.mib) <= 1)]).toEqual([name, true]);
      if (m.bench) expect([name, bench.processes[m.bench]?.peakMiB]).toEqual([name, expect.any(Number)]);
    }
  });

  it('holds the orders pool at the ~545 MiB measured under load', () => {
    expect(measured['shop-worker-orders'].mib).toBeGreaterThanOrEqual(545);
  });
});

describe.each(OVERLAYS.map((o) => [o]))('%s', (overlay) => {
  const objects = kustomize(overlay);
  const config = ofKind(objects, 'ConfigMap').find((c) => c.metadata.name.startsWith('shop-config'))!.data!;

  describe.each(DOMAINS.map((d) => [d]))('pool %s', (domain) => {
    const so = named(objects, 'ScaledObject', `shop-worker-${domain}`);
    const triggers: any[] = so.spec.triggers;

    it('scales on two triggers: the task-queue backlog and the worker slots in use', () => {
      expect(triggers.map((t) => t.type)).toEqual(['temporal', 'prometheus']);
      for (const t of triggers) {
        expect(t.name).toMatch(/^[a-z0-9-]+$/);
        for (const v of Object.values(t.metadata)) expect(typeof v).toBe('string'); // KEDA parses strings
      }
      expect(new Set(triggers.map((t) => t.name)).size).toBe(2);
    });

    it('authenticates the backlog trigger with a TriggerAuthentication of its namespace (mTLS or API key from a Secret)', () => {
      const temporal = triggers.find((t) => t.type === 'temporal');
      expect(temporal.metadata.taskQueue).toBe(domain);
      expect(temporal.metadata.endpoint).toBe(config.TEMPORAL_ADDRESS);
      expect(temporal.metadata.namespace).toBe(config.TEMPORAL_NAMESPACE);
      expect(temporal.authenticationRef).toEqual({ name: expect.any(String) });
      const auth = named(objects, 'TriggerAuthentication', temporal.authenticationRef.name);
      expect(auth.metadata.namespace).toBe(so.metadata.namespace);
      const refs: { parameter: string; name: string; key: string }[] = auth.spec.secretTargetRef;
      expect(refs.map((r) => r.parameter).sort()).toEqual(TEMPORAL_AUTH_PARAMS);
      // Each Secret and key is documented (docs/deploy.md, the Secrets table).
      const doc = readRepoFile('docs', 'deploy.md');
      for (const r of refs) {
        expect([r.parameter, doc.includes(`\`${r.name}\``), doc.includes(`\`${r.key}\``)]).toEqual([
          r.parameter,
          true,
          true,
        ]);
      }
    });

    it("sizes the pool on its slots in use through Prometheus: the recording rule, on the pool's own task queue", () => {
      const slots = triggers.find((t) => t.type === 'prometheus');
      expect(slots.metadata.serverAddress).toMatch(/^https?:\/\/[a-z0-9.-]+(:\d+)?$/);
      expect(slots.metadata.query.replace(/\s+/g, '')).toBe(`max(${BUSY_WORKERS}{task_queue="${domain}"})`);
      // AverageValue (the default): desired replicas = ceil(busy workers / threshold).
      expect(slots.metricType ?? 'AverageValue').toBe('AverageValue');
      const threshold = Number(slots.metadata.threshold);
      expect(threshold).toBeGreaterThan(0);
      expect(threshold).toBeLessThan(1); // full slots on N pods ask for more than N
      // No series yet (a pool that just started) is 0, not a scaler error that triggers the fallback.
      expect(slots.metadata.ignoreNullValues).toBe('true');
    });

    it('requests at least the measured working set, and limits memory above the request', () => {
      const deployment = named(objects, 'Deployment', `shop-worker-${domain}`);
      const resources = deployment.spec.template.spec.containers[0].resources;
      const m = measured[`shop-worker-${domain}`];
      const floor = Math.max(m.mib, bench.processes[m.bench!].peakMiB);
      expect(mebibytes(resources.requests.memory)).toBeGreaterThanOrEqual(floor);
      expect(mebibytes(resources.limits.memory)).toBeGreaterThan(mebibytes(resources.requests.memory));
    });
  });

  it('requests at least the measured working set for the gateway', () => {
    const c = named(objects, 'Deployment', 'shop-gateway').spec.template.spec.containers[0];
    const m = measured['shop-gateway'];
    expect(mebibytes(c.resources.requests.memory)).toBeGreaterThanOrEqual(
      Math.max(m.mib, bench.processes[m.bench!].peakMiB),
    );
  });

  it('has one TriggerAuthentication, used by every temporal trigger', () => {
    const auths = ofKind(objects, 'TriggerAuthentication');
    expect(auths).toHaveLength(1);
    const used = ofKind(objects, 'ScaledObject').map(
      (s: K8sObject) => s.spec.triggers.find((t: any) => t.type === 'temporal').authenticationRef.name,
    );
    expect(new Set(used)).toEqual(new Set([auths[0].metadata.name]));
  });
});

describe('the slot-use recording rule', () => {
  const groups = (parseYaml(readFileSync(ALERTS_FILE, 'utf8')) as { groups: { name: string; rules: any[] }[] }).groups;
  const rule = groups.flatMap((g) => g.rules).find((r) => r.record === BUSY_WORKERS);

  it('exists, per task queue, from the slot gauges the Temporal SDK exports', () => {
    expect(rule).toBeDefined();
    expect(rule.expr).toContain('temporal_worker_task_slots_used');
    expect(rule.expr).toContain('temporal_worker_task_slots_available');
    expect(rule.expr).toMatch(/by \(task_queue, worker_type\)/);
    // The names are the SDK core's (without the exporter's temporal_ prefix).
    const core = readFileSync(
      repoPath(
        'node_modules',
        '@temporalio',
        'core-bridge',
        'sdk-core',
        'crates',
        'sdk-core',
        'src',
        'telemetry',
        'metrics.rs',
      ),
      'utf8',
    );
    expect(core).toContain('"worker_task_slots_used"');
    expect(core).toContain('"worker_task_slots_available"');
  });
});
