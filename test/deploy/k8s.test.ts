// k8s/: `kubectl kustomize` renders the base and each overlay; every rendered object
// validates against its schema (kubernetes-models: core API, KEDA, Prometheus operator) and
// has no unknown fields; and the deployment is wired the way the shop needs: a Deployment,
// PDB and KEDA ScaledObject per worker pool on its own task queue, graceful termination
// longer than the worker drain, probes on the worker health endpoint, the gateway behind
// Service + Ingress + HPA, the JWT key as a file, migrations as a Job, metrics monitors, and
// a configuration the app itself accepts (read replicas included).
import { execFileSync } from 'node:child_process';
import { parseConfig } from '../../common/config';
import { httpDrainMs } from '../../common/shop';
import { ORDER_SEARCH_ATTRIBUTES } from '../../workflows/orders/contract';
import { DOMAINS } from '../../workers/worker-spec';
import {
  CONFIG_KEYS,
  type K8sObject,
  POD_TEMPLATE_KINDS,
  containerEnv,
  kustomize,
  loadYaml,
  matchesSelector,
  named,
  ofKind,
  podSpecOf,
  readRepoFile,
  repoPath,
} from './support/deploy-helpers';
import { typecheckObjects } from './support/k8s-typecheck';

const TREES = ['k8s/base', 'k8s/overlays/dev', 'k8s/overlays/prod'] as const;
const OVERLAYS = { 'k8s/overlays/dev': 'shop-dev', 'k8s/overlays/prod': 'shop' } as const;
type Overlay = keyof typeof OVERLAYS;

/**
 * Secrets production creates outside git (docs/deploy.md documents each key), with example
 * values: two read replicas, so the replica configuration is parsed as production has it.
 */
const EXTERNAL_SECRETS: Record<string, Record<string, string>> = {
  'shop-secrets': {
    MYSQL_URL: 'mysql://shop:pw@shop-mysql-primary.db.svc:3306/shop',
    MYSQL_REPLICA_URLS:
      'mysql://shop:pw@shop-mysql-replica-0.db.svc:3306/shop,mysql://shop:pw@shop-mysql-replica-1.db.svc:3306/shop',
    REDIS_URL: 'redis://shop-redis.db.svc:6379/0',
    SMTP_URL: 'smtp://smtp.example.com:587',
  },
  'shop-jwt': { 'jwt-secret': 'x'.repeat(48) },
};

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'PriorityClass',
  'StorageClass',
  'CustomResourceDefinition',
]);
const APP_IMAGE = /(^|\/)temporal-shop(:|@|$)/;

const render = (tree: string) => kustomize(tree);
const appContainers = (objects: K8sObject[]) =>
  objects
    .filter((o) => POD_TEMPLATE_KINDS.includes(o.kind))
    .flatMap((o) =>
      [...(podSpecOf(o).initContainers ?? []), ...podSpecOf(o).containers].map((c: any) => ({
        owner: o,
        container: c,
      })),
    )
    .filter(({ container }) => APP_IMAGE.test(container.image));
const configOf = (objects: K8sObject[]) => {
  const cm = ofKind(objects, 'ConfigMap').find((c) => c.metadata.name.startsWith('shop-config'));
  if (!cm?.data) throw new Error('no shop-config ConfigMap');
  return cm.data;
};

describe('k8s: every overlay renders and validates', () => {
  it.each(TREES)('%s renders with `kubectl kustomize`', (tree) => {
    const objects = render(tree);
    expect(objects.length).toBeGreaterThan(20);
    const ids = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('every rendered object validates against its schema (kubernetes-models, KEDA, Prometheus operator)', () => {
    const objects = TREES.flatMap((t) => render(t));
    const out = execFileSync(process.execPath, [repoPath('test', 'deploy', 'support', 'validate-k8s-models.mjs')], {
      input: JSON.stringify(objects),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const results = JSON.parse(out) as { id: string; ok: boolean; error?: string; model?: string }[];
    expect(results).toHaveLength(objects.length);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    // The CRDs really went through their own models.
    expect(
      results.some(
        (r) => r.id.startsWith('keda.sh/v1alpha1/ScaledObject') && r.model?.startsWith('@kubernetes-models/keda'),
      ),
    ).toBe(true);
    expect(
      results.some(
        (r) =>
          r.id.startsWith('monitoring.coreos.com/v1/ServiceMonitor') &&
          r.model?.startsWith('@kubernetes-models/prometheus-operator'),
      ),
    ).toBe(true);
    expect(results.some((r) => r.id.startsWith('monitoring.coreos.com/v1/PodMonitor'))).toBe(true);
  });

  it('the schema validation rejects a broken object (it is not vacuous)', () => {
    const broken = structuredClone(named(render('k8s/overlays/prod'), 'ScaledObject', 'shop-worker-orders'));
    broken.spec.minReplicaCount = 'two';
    const out = execFileSync(process.execPath, [repoPath('test', 'deploy', 'support', 'validate-k8s-models.mjs')], {
      input: JSON.stringify([broken, { apiVersion: 'example.com/v1', kind: 'Unknown', metadata: { name: 'x' } }]),
      encoding: 'utf8',
    });
    const results = JSON.parse(out);
    expect(results.map((r: any) => r.ok)).toEqual([false, false]);
    expect(results[0].error).toMatch(/minReplicaCount/);
    expect(results[1].error).toMatch(/no schema model/);
  });

  it.each(TREES)('%s has no unknown or mistyped fields (strict check against the model types)', (tree) => {
    expect(typecheckObjects(render(tree))).toEqual([]);
  });

  it('the strict field check catches a misspelled field', () => {
    const d = structuredClone(named(render('k8s/overlays/prod'), 'Deployment', 'shop-worker-users'));
    d.spec.template.spec.containers[0].readinesProbe = d.spec.template.spec.containers[0].readinessProbe;
    const problems = typecheckObjects([d]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/readinesProbe/);
  });
});

describe.each(Object.keys(OVERLAYS) as Overlay[])('k8s %s', (overlay) => {
  const objects = render(overlay);
  const ns = OVERLAYS[overlay];
  const config = configOf(objects);
  const workerGraceMs = Number(config.WORKER_SHUTDOWN_GRACE_MS ?? 10_000);

  it('puts everything in its namespace, which it creates', () => {
    expect(named(objects, 'Namespace', ns)).toBeDefined();
    for (const o of objects) {
      if (CLUSTER_SCOPED.has(o.kind)) continue;
      expect([o.kind, o.metadata.name, o.metadata.namespace]).toEqual([o.kind, o.metadata.name, ns]);
    }
  });

  describe.each(DOMAINS.map((d) => [d]))('worker pool %s', (domain) => {
    const name = `shop-worker-${domain}`;
    const deployment = named(objects, 'Deployment', name);
    const pod = podSpecOf(deployment);
    const container = pod.containers[0];

    it('is its own Deployment running exactly this pool, through the image entrypoint (tini)', () => {
      expect(pod.containers).toHaveLength(1);
      expect(container.image).toMatch(APP_IMAGE);
      expect(container.command).toBeUndefined();
      expect(container.args).toEqual(['node', 'dist/workers/main.js', domain]);
      expect(deployment.spec.selector.matchLabels['temporal-shop/pool']).toBe(domain);
      expect(matchesSelector(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(
        true,
      );
      // No other workload's pods fall under this selector.
      const others = objects.filter((o) => POD_TEMPLATE_KINDS.includes(o.kind) && o !== deployment);
      for (const o of others)
        expect([
          o.metadata.name,
          matchesSelector(deployment.spec.selector.matchLabels, o.spec.template.metadata.labels),
        ]).toEqual([o.metadata.name, false]);
    });

    it('has its own KEDA ScaledObject with the temporal trigger on its own task queue', () => {
      const scaled = ofKind(objects, 'ScaledObject').filter((s) => s.spec.scaleTargetRef.name === name);
      expect(scaled).toHaveLength(1);
      const so = scaled[0];
      expect(so.spec.scaleTargetRef.kind ?? 'Deployment').toBe('Deployment');
      // The second trigger (worker slot use) is checked in k8s-scaling.test.ts.
      const trigger = so.spec.triggers.find((t: any) => t.type === 'temporal');
      expect(trigger).toBeDefined();
      expect(trigger.metadata.taskQueue).toBe(domain);
      expect(trigger.metadata.endpoint).toBe(config.TEMPORAL_ADDRESS);
      expect(trigger.metadata.namespace).toBe(config.TEMPORAL_NAMESPACE);
      expect(trigger.metadata.queueTypes.split(',').sort()).toEqual(['activity', 'workflow']);
      expect(Number(trigger.metadata.targetQueueSize)).toBeGreaterThan(0);
      // KEDA parses every metadata value from a string.
      for (const v of Object.values(trigger.metadata)) expect(typeof v).toBe('string');
    });

    it('scales within sane bounds and cools down slowly', () => {
      const so = ofKind(objects, 'ScaledObject').find((s) => s.spec.scaleTargetRef.name === name)!;
      const { minReplicaCount, maxReplicaCount, cooldownPeriod, pollingInterval } = so.spec;
      expect(minReplicaCount).toBeGreaterThanOrEqual(overlay.endsWith('prod') ? 2 : 1);
      expect(maxReplicaCount).toBeGreaterThan(minReplicaCount);
      expect(maxReplicaCount).toBeLessThanOrEqual(50);
      expect(cooldownPeriod).toBeGreaterThanOrEqual(60);
      expect(pollingInterval).toBeGreaterThanOrEqual(5);
      expect(pollingInterval).toBeLessThanOrEqual(60);
      const down = so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown;
      expect(down.stabilizationWindowSeconds).toBeGreaterThanOrEqual(60);
      expect(so.spec.fallback.replicas).toBeGreaterThanOrEqual(minReplicaCount);
      expect(so.spec.fallback.replicas).toBeLessThanOrEqual(maxReplicaCount);
      // KEDA owns the replica count: an apply must not reset it.
      expect(deployment.spec.replicas).toBeUndefined();
    });

    it('gets longer to terminate than the workers take to drain (WORKER_SHUTDOWN_GRACE_MS)', () => {
      const env = containerEnv(objects, container, EXTERNAL_SECRETS);
      const grace = Number(env.WORKER_SHUTDOWN_GRACE_MS ?? 10_000);
      expect(grace).toBe(workerGraceMs);
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(grace + 5_000);
      expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    });

    it('is probed on the worker health endpoint (9465): /healthz for liveness and start-up, /readyz for readiness', () => {
      const port = (p: string | number) =>
        typeof p === 'number' ? p : container.ports.find((cp: any) => cp.name === p)?.containerPort;
      const env = containerEnv(objects, container, EXTERNAL_SECRETS);
      expect(String(port(container.livenessProbe.httpGet.port))).toBe(env.WORKER_HTTP_PORT ?? '9465');
      expect(port(container.livenessProbe.httpGet.port)).toBe(9465);
      expect(container.livenessProbe.httpGet.path).toBe('/healthz');
      expect(port(container.readinessProbe.httpGet.port)).toBe(9465);
      expect(container.readinessProbe.httpGet.path).toBe('/readyz');
      expect(container.startupProbe.httpGet.path).toBe('/healthz');
      expect(container.ports.map((p: any) => p.containerPort).sort()).toEqual([9464, 9465]);
      expect(env.TEMPORAL_METRICS_BIND).toMatch(/:9464$/);
    });

    it('has a PodDisruptionBudget selecting exactly its pods', () => {
      const pdbs = ofKind(objects, 'PodDisruptionBudget').filter((p) =>
        matchesSelector(p.spec.selector.matchLabels, deployment.spec.template.metadata.labels),
      );
      expect(pdbs.map((p) => p.metadata.name)).toEqual([name]);
      expect(pdbs[0].spec.maxUnavailable ?? pdbs[0].spec.minAvailable).toBeDefined();
    });
  });

  it('has exactly one ScaledObject per worker pool and none for anything else', () => {
    const targets = ofKind(objects, 'ScaledObject')
      .map((s) => s.spec.scaleTargetRef.name)
      .sort();
    expect(targets).toEqual(DOMAINS.map((d) => `shop-worker-${d}`).sort());
    const queues = ofKind(objects, 'ScaledObject')
      .map((s) => s.spec.triggers.find((t: any) => t.type === 'temporal').metadata.taskQueue)
      .sort();
    expect(queues).toEqual([...DOMAINS].sort());
    expect(ofKind(objects, 'HorizontalPodAutoscaler').map((h) => h.spec.scaleTargetRef.name)).toEqual(['shop-gateway']);
  });

  describe('gateway', () => {
    const deployment = named(objects, 'Deployment', 'shop-gateway');
    const pod = podSpecOf(deployment);
    const container = pod.containers[0];

    it('runs the gateway with liveness /healthz, readiness /readyz, resources and a drain before SIGTERM', () => {
      expect(container.args).toEqual(['node', 'dist/api/main.js']);
      expect(container.command).toBeUndefined();
      const http = container.ports.find((p: any) => p.name === 'http');
      expect(http.containerPort).toBe(Number(config.PORT ?? 3000));
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(container.lifecycle.preStop).toBeDefined();
      expect(deployment.spec.replicas).toBeUndefined(); // the HPA owns it
      expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    });

    it('gets longer to terminate than its preStop sleep plus the drain of in-flight requests (ROUTE_DEADLINE_MS)', () => {
      const env = containerEnv(objects, container, EXTERNAL_SECRETS);
      const sleep = Number(container.lifecycle.preStop.exec.command[1]) * 1000;
      const drain = httpDrainMs(parseConfig({ ...env, JWT_SECRET: 'x'.repeat(32), NODE_ENV: 'test' }));
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(sleep + drain);
    });

    it('is scaled by an HPA on CPU', () => {
      const hpa = named(objects, 'HorizontalPodAutoscaler', 'shop-gateway');
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop-gateway' });
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(overlay.endsWith('prod') ? 3 : 1);
      expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
      expect(hpa.spec.metrics.some((m: any) => m.resource?.name === 'cpu')).toBe(true);
      expect(container.resources.requests.cpu).toBeDefined(); // utilization needs a request
    });

    it('is reached through a Service and an Ingress that exposes /api only (not /metrics or the probes)', () => {
      const svc = named(objects, 'Service', 'shop-gateway');
      expect(matchesSelector(svc.spec.selector, deployment.spec.template.metadata.labels)).toBe(true);
      const svcPort = svc.spec.ports.find((p: any) => p.name === 'http');
      expect(svcPort.targetPort).toBe('http');
      const ingress = named(objects, 'Ingress', 'shop-gateway');
      const paths = ingress.spec.rules.flatMap((r: any) => r.http.paths);
      expect(paths.length).toBeGreaterThan(0);
      for (const p of paths) {
        expect(p.path).toBe('/api');
        expect(p.pathType).toBe('Prefix');
        expect(p.backend.service.name).toBe('shop-gateway');
        expect(
          p.backend.service.port.name ??
            svc.spec.ports.find((sp: any) => sp.port === p.backend.service.port.number)?.name,
        ).toBe('http');
      }
      if (overlay.endsWith('prod')) {
        expect(ingress.spec.tls[0].hosts).toEqual(ingress.spec.rules.map((r: any) => r.host));
      }
    });

    it('has a PodDisruptionBudget', () => {
      const pdb = named(objects, 'PodDisruptionBudget', 'shop-gateway');
      expect(matchesSelector(pdb.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
    });
  });

  it('mounts the JWT key as a file at JWT_SECRET_FILE, from a Secret, read-only', () => {
    const gateway = named(objects, 'Deployment', 'shop-gateway');
    const container = podSpecOf(gateway).containers[0];
    const env = containerEnv(objects, container, EXTERNAL_SECRETS);
    expect(env.JWT_SECRET).toBeUndefined();
    const file = env.JWT_SECRET_FILE;
    expect(file).toMatch(/^\//);
    const mount = container.volumeMounts.find((m: any) => file.startsWith(`${m.mountPath}/`));
    expect(mount?.readOnly).toBe(true);
    const volume = podSpecOf(gateway).volumes.find((v: any) => v.name === mount.name);
    const secretName = volume.secret.secretName;
    const item = volume.secret.items.find((i: any) => `${mount.mountPath}/${i.path}` === file);
    expect(item).toBeDefined();
    const secret = ofKind(objects, 'Secret').find((s) => s.metadata.name === secretName);
    const value = secret
      ? Buffer.from(secret.data![item.key], 'base64').toString()
      : EXTERNAL_SECRETS[secretName]?.[item.key];
    expect(value).toBeDefined();
    expect(Buffer.byteLength(value!)).toBeGreaterThanOrEqual(32);
    expect(volume.secret.defaultMode & 0o007).toBe(0); // not world-readable
  });

  it('gives the JWT key to the gateway only: no worker pool or job mounts or references shop-jwt (least privilege)', () => {
    const holders = POD_TEMPLATE_KINDS.flatMap((kind) => ofKind(objects, kind)).filter((o) => {
      const spec = podSpecOf(o);
      // The dev overlay generates the Secret, with kustomize's hash suffix on its name.
      const isJwt = (name?: string) => !!name && /^shop-jwt(-[a-z0-9]+)?$/.test(name);
      const mounted = (spec.volumes ?? []).some(
        (v: any) => isJwt(v.secret?.secretName) || v.projected?.sources?.some((p: any) => isJwt(p.secret?.name)),
      );
      const referenced = JSON.stringify(spec.containers ?? []).includes('shop-jwt');
      return mounted || referenced;
    });
    expect(holders.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Deployment/shop-gateway']);
  });

  it('gives every app container an environment common/config.ts accepts (NODE_ENV=production), read replicas included', () => {
    const containers = appContainers(objects);
    expect(containers.length).toBe(2 + DOMAINS.length); // gateway, migrate, pools
    for (const { owner, container } of containers) {
      const env = containerEnv(objects, container, EXTERNAL_SECRETS);
      for (const key of Object.keys(env))
        expect([owner.metadata.name, key, CONFIG_KEYS.has(key)]).toEqual([owner.metadata.name, key, true]);
      const parsed = parseConfig(env);
      expect(parsed.NODE_ENV).toBe('production');
      expect(parsed.MYSQL_URL).toMatch(/^mysql:\/\//);
      expect(parsed.MYSQL_REPLICA_URLS.length).toBeGreaterThanOrEqual(1);
      expect(parsed.REDIS_URL).toBeDefined();
      expect(parsed.TEMPORAL_ADDRESS).toBe(config.TEMPORAL_ADDRESS);
      expect(parsed.DATA_DIR).toBe(container.volumeMounts.find((m: any) => m.mountPath === parsed.DATA_DIR)?.mountPath);
    }
  });

  it('references only ConfigMaps and Secrets that are rendered or documented as created outside git', () => {
    const referenced = new Set<string>();
    for (const o of objects.filter((x) => POD_TEMPLATE_KINDS.includes(x.kind))) {
      const spec = podSpecOf(o);
      for (const c of spec.containers) {
        for (const f of c.envFrom ?? [])
          referenced.add(f.secretRef ? `Secret/${f.secretRef.name}` : `ConfigMap/${f.configMapRef.name}`);
        for (const e of c.env ?? []) {
          if (e.valueFrom?.secretKeyRef) referenced.add(`Secret/${e.valueFrom.secretKeyRef.name}`);
          if (e.valueFrom?.configMapKeyRef) referenced.add(`ConfigMap/${e.valueFrom.configMapKeyRef.name}`);
        }
      }
      for (const v of spec.volumes ?? []) {
        if (v.secret) referenced.add(`Secret/${v.secret.secretName}`);
        if (v.configMap) referenced.add(`ConfigMap/${v.configMap.name}`);
      }
    }
    const docs = readRepoFile('docs', 'deploy.md');
    for (const ref of referenced) {
      const [kind, name] = ref.split('/');
      if (objects.some((o) => o.kind === kind && o.metadata.name === name)) continue;
      expect([ref, kind === 'Secret' && name in EXTERNAL_SECRETS]).toEqual([ref, true]);
      expect(overlay.endsWith('prod')).toBe(true); // dev generates all of its secrets
      expect(docs).toContain(name);
      for (const key of Object.keys(EXTERNAL_SECRETS[name]))
        expect([name, key, docs.includes(key)]).toEqual([name, key, true]);
    }
  });

  it('runs every pod as non-root with the restricted Pod Security profile (app and jobs)', () => {
    const shopPods = objects.filter(
      (o) =>
        POD_TEMPLATE_KINDS.includes(o.kind) && o.metadata.labels?.['app.kubernetes.io/part-of'] === 'temporal-shop',
    );
    expect(shopPods.length).toBe(1 + DOMAINS.length + 2);
    for (const o of shopPods) {
      const spec = podSpecOf(o);
      expect([o.metadata.name, spec.securityContext.runAsNonRoot]).toEqual([o.metadata.name, true]);
      expect(spec.securityContext.seccompProfile.type).toBe('RuntimeDefault');
      expect(spec.automountServiceAccountToken).toBe(false);
      for (const c of spec.containers) {
        expect([o.metadata.name, c.securityContext.allowPrivilegeEscalation]).toEqual([o.metadata.name, false]);
        expect(c.securityContext.capabilities.drop).toEqual(['ALL']);
        expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
        expect(c.resources.requests.cpu).toBeDefined();
        expect(c.resources.requests.memory).toBeDefined();
        expect(c.resources.limits.memory).toBeDefined();
      }
    }
    if (overlay.endsWith('prod'))
      expect(named(objects, 'Namespace', ns).metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe(
        'restricted',
      );
  });

  it('uses one pinned app image for the gateway, every pool and the migration', () => {
    const images = new Set(appContainers(objects).map(({ container }) => container.image));
    expect(images.size).toBe(1);
    const [image] = [...images];
    if (overlay.endsWith('prod')) {
      expect(image).toMatch(/^[a-z0-9.-]+(:\d+)?\/[\w./-]+(:[\w.-]+|@sha256:[a-f0-9]{64})$/);
      expect(image).not.toMatch(/:(latest|dev)$/);
    }
  });

  it('runs the migrations as a one-shot Job with the app image', () => {
    const job = named(objects, 'Job', 'shop-migrate');
    const spec = podSpecOf(job);
    expect(spec.containers[0].args).toEqual(['node', 'dist/db/migrate.js']);
    expect(spec.restartPolicy).toMatch(/^(Never|OnFailure)$/);
    expect(job.spec.backoffLimit).toBeGreaterThan(0);
    expect(job.spec.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(job.metadata.labels?.['app.kubernetes.io/component']).toBe('migrate');
  });

  it('registers the order search attributes on the Temporal namespace with a Job', () => {
    const job = named(objects, 'Job', 'shop-temporal-setup');
    const c = podSpecOf(job).containers[0];
    expect(c.image).toMatch(/^temporalio\/admin-tools:\d+\.\d+\.\d+$/);
    const env = containerEnv(objects, c, EXTERNAL_SECRETS);
    expect(env.TEMPORAL_ADDRESS).toBe(config.TEMPORAL_ADDRESS);
    expect(env.TEMPORAL_NAMESPACE).toBe(config.TEMPORAL_NAMESPACE);
    const scriptVolume = podSpecOf(job).volumes.find((v: any) => v.configMap);
    const cm = named(objects, 'ConfigMap', scriptVolume.configMap.name);
    const script = cm.data?.['setup-namespace.sh'];
    expect(c.command).toEqual([
      '/bin/sh',
      `${c.volumeMounts.find((m: any) => m.name === scriptVolume.name).mountPath}/setup-namespace.sh`,
    ]);
    for (const [name, type] of Object.entries(ORDER_SEARCH_ATTRIBUTES)) expect(script).toContain(`${name}:${type}`);
    // The same script as docker-compose.yml's temporal-setup service (which mounts this file).
    expect(script).toBe(readRepoFile('k8s', 'base', 'temporal', 'setup-namespace.sh'));
  });

  it('has Prometheus-operator monitors for the gateway and every worker pool, with the compose job names', () => {
    const promJobs = loadYaml<any>('ops', 'prometheus', 'prometheus.yml').scrape_configs.map((s: any) => s.job_name);
    const gatewaySvc = named(objects, 'Service', 'shop-gateway');
    const sm = ofKind(objects, 'ServiceMonitor').filter((m) =>
      matchesSelector(m.spec.selector.matchLabels, gatewaySvc.metadata.labels),
    );
    expect(sm).toHaveLength(1);
    const ep = sm[0].spec.endpoints[0];
    expect(gatewaySvc.spec.ports.map((p: any) => p.name)).toContain(ep.port);
    expect(ep.path).toBe('/metrics');
    const jobOf = (relabelings: any[]) => relabelings.find((r) => r.targetLabel === 'job')?.replacement;
    expect(promJobs).toContain(jobOf(ep.relabelings));

    for (const d of DOMAINS) {
      const dep = named(objects, 'Deployment', `shop-worker-${d}`);
      const labels = dep.spec.template.metadata.labels;
      const monitors = ofKind(objects, 'PodMonitor').filter((m) =>
        matchesSelector(m.spec.selector.matchLabels, labels),
      );
      expect(monitors).toHaveLength(1);
      const endpoints = monitors[0].spec.podMetricsEndpoints;
      const portNames = podSpecOf(dep).containers[0].ports.map((p: any) => p.name);
      expect(endpoints.map((e: any) => e.port).sort()).toEqual([...portNames].sort());
      for (const e of endpoints) {
        expect(promJobs).toContain(jobOf(e.relabelings));
        const pool = e.relabelings.find((r: any) => r.targetLabel === 'pool');
        expect(pool.sourceLabels).toEqual(['__meta_kubernetes_pod_label_temporal_shop_pool']);
        expect(labels['temporal-shop/pool']).toBe(d);
      }
    }
  });
});

describe('deploy/rollout.sh (ordered rollout)', () => {
  const script = readRepoFile('deploy', 'rollout.sh');
  const component = /^C=(\S+)$/m.exec(script)![1];
  const selectors = [...script.matchAll(/^\s*apply "([^"]+)"/gm)].map((m) => m[1].replace(/\$C/g, component));

  /** Label selector semantics for the forms the script uses: `!k`, `k=v`, `k in (a,b)`. */
  const matches = (selector: string, labels: Record<string, string> = {}) =>
    selector.split(/,(?![^(]*\))/).every((term) => {
      const t = term.trim();
      let m: RegExpExecArray | null;
      if ((m = /^!([\w./-]+)$/.exec(t))) return !(m[1] in labels);
      if ((m = /^([\w./-]+)\s+in\s+\(([^)]*)\)$/.exec(t)))
        return m[2]
          .split(',')
          .map((v) => v.trim())
          .includes(labels[m[1]]);
      if ((m = /^([\w./-]+)==?(.*)$/.exec(t))) return labels[m[1]] === m[2];
      throw new Error(`unsupported selector term ${t}`);
    });

  it('applies in the order config → jobs → workers → gateway', () => {
    expect(selectors).toEqual([
      `!${component}`,
      `${component}=dev-dependency`,
      `${component} in (migrate,temporal-setup)`,
      `${component}=worker`,
      `${component}=gateway`,
    ]);
  });

  it.each(Object.keys(OVERLAYS))(
    'covers every object of %s with one of its steps, and waits for the Jobs it replaces',
    (overlay) => {
      const objects = render(overlay);
      for (const o of objects) {
        const steps = selectors.filter((sel) => matches(sel, o.metadata.labels));
        expect([`${o.kind}/${o.metadata.name}`, steps.length]).toEqual([`${o.kind}/${o.metadata.name}`, 1]);
      }
      // Workload-level labels: the jobs, workers and gateway carry their component.
      for (const d of DOMAINS)
        expect(named(objects, 'Deployment', `shop-worker-${d}`).metadata.labels?.[component]).toBe('worker');
      expect(
        ofKind(objects, 'Job')
          .map((j) => j.metadata.name)
          .sort(),
      ).toEqual(['shop-migrate', 'shop-temporal-setup']);
      for (const job of ofKind(objects, 'Job')) {
        expect(script).toContain(`wait_job ${job.metadata.name}`);
        expect(script).toMatch(new RegExp(`delete job[^\n]*\\b${job.metadata.name}\\b`));
      }
    },
  );
});

describe('k8s/overlays/dev', () => {
  const objects = render('k8s/overlays/dev');

  it('brings its own MySQL (with a read-replica Service), Redis and Mailpit, matching shop-secrets', () => {
    const env = containerEnv(objects, podSpecOf(named(objects, 'Deployment', 'shop-gateway')).containers[0]);
    const config = parseConfig(env);
    const host = (u: string) => new URL(u).hostname;
    for (const svc of [
      host(config.MYSQL_URL!),
      ...config.MYSQL_REPLICA_URLS.map(host),
      host(config.REDIS_URL!),
      host(config.SMTP_URL!),
    ]) {
      expect([svc, objects.some((o) => o.kind === 'Service' && o.metadata.name === svc)]).toEqual([svc, true]);
    }
    expect(host(config.MYSQL_REPLICA_URLS[0])).not.toBe(host(config.MYSQL_URL!));
    const mysqlEnv = containerEnv(objects, podSpecOf(named(objects, 'Deployment', 'mysql')).containers[0]);
    const url = new URL(config.MYSQL_URL!);
    expect([url.username, url.password, url.pathname.slice(1)]).toEqual([
      mysqlEnv.MYSQL_USER,
      mysqlEnv.MYSQL_PASSWORD,
      mysqlEnv.MYSQL_DATABASE,
    ]);
  });
});

describe('k8s/overlays/prod', () => {
  const objects = render('k8s/overlays/prod');

  it('keeps secrets out of git: no Secret objects rendered', () => {
    expect(ofKind(objects, 'Secret')).toEqual([]);
  });

  it('runs at least two replicas of everything that serves, for zone and node failures', () => {
    expect(named(objects, 'HorizontalPodAutoscaler', 'shop-gateway').spec.minReplicas).toBeGreaterThanOrEqual(2);
    for (const so of ofKind(objects, 'ScaledObject')) expect(so.spec.minReplicaCount).toBeGreaterThanOrEqual(2);
  });
});

describe('deploy/temporal-helm-values.yaml (Temporal Helm chart)', () => {
  const values = loadYaml<any>('deploy', 'temporal-helm-values.yaml');
  const prodConfig = configOf(render('k8s/overlays/prod'));

  it('puts both stores on SQL with credentials from a Secret, and lets the chart manage the schema', () => {
    const p = values.server.config.persistence;
    expect(p.defaultStore).toBe('default');
    expect(p.visibilityStore).toBe('visibility');
    expect(p.numHistoryShards).toBeGreaterThanOrEqual(128);
    for (const store of ['default', 'visibility']) {
      const sql = p.datastores[store].sql;
      expect(sql.pluginName).toMatch(/^(postgres12|postgres12_pgx|mysql8)$/);
      expect(sql.existingSecret).toBeTruthy();
      expect(sql.password).toBeUndefined();
      expect(sql.manageSchema).toBe(true);
      expect(sql.connectAddr).toMatch(/^[\w.-]+:\d+$/);
    }
    expect(p.datastores.default.sql.databaseName).not.toBe(p.datastores.visibility.sql.databaseName);
  });

  it("creates the shop's namespace and serves the frontend at the address the shop and KEDA use", () => {
    expect(values.server.config.namespaces.create).toBe(true);
    expect(values.server.config.namespaces.namespace.map((n: any) => n.name)).toContain(prodConfig.TEMPORAL_NAMESPACE);
    // Release `temporal` in namespace `temporal` (docs/deploy.md) → temporal-frontend.temporal.svc.
    expect(prodConfig.TEMPORAL_ADDRESS).toBe('temporal-frontend.temporal.svc.cluster.local:7233');
    expect(readRepoFile('docs', 'deploy.md')).toMatch(
      /helm upgrade --install temporal temporal\/temporal[^\n]*--namespace temporal/,
    );
  });

  it('enables the same dynamic config as docker-compose.yml (update-with-start, updates, versioning)', () => {
    const compose = loadYaml<Record<string, { value: unknown }[]>>('deploy', 'temporal', 'dynamicconfig', 'shop.yaml');
    for (const key of [
      'frontend.enableUpdateWorkflowExecution',
      'frontend.enableExecuteMultiOperation',
      'frontend.workerVersioningDataAPIs',
      'frontend.workerVersioningWorkflowAPIs',
    ]) {
      expect([key, values.server.dynamicConfig[key]?.[0]?.value]).toEqual([key, true]);
      expect([key, compose[key]?.[0]?.value]).toEqual([key, true]);
    }
  });

  it('exports server metrics to the Prometheus operator and runs the services redundantly', () => {
    expect(values.server.metrics.serviceMonitor.enabled).toBe(true);
    for (const svc of ['frontend', 'history', 'matching', 'worker']) {
      expect(values.server[svc].replicaCount).toBeGreaterThanOrEqual(2);
      expect(values.server[svc].resources.requests).toBeDefined();
    }
  });
});

describe('k8s/temporal (who reaches the Temporal frontend)', () => {
  const policy = named(render('k8s/temporal'), 'NetworkPolicy', 'temporal-frontend-clients');
  // The labels the Temporal Helm chart puts on its frontend pods (release `temporal`).
  const frontendPod = {
    'app.kubernetes.io/name': 'temporal',
    'app.kubernetes.io/instance': 'temporal',
    'app.kubernetes.io/component': 'frontend',
  };
  type Peer = { namespace: Record<string, string>; pod: Record<string, string>; port: number; sameNamespace?: boolean };
  /** Whether the policy lets a pod with these labels, in a namespace with these labels, reach `port`. */
  const admits = ({ namespace, pod, port, sameNamespace }: Peer) =>
    policy.spec.ingress.some(
      (rule: any) =>
        (!rule.ports || rule.ports.some((p: any) => p.port === port)) &&
        rule.from.some((peer: any) => {
          if (!peer.namespaceSelector)
            return sameNamespace && matchesSelector(peer.podSelector?.matchLabels ?? {}, pod);
          return (
            matchesSelector(peer.namespaceSelector.matchLabels ?? {}, namespace) &&
            matchesSelector(peer.podSelector?.matchLabels ?? {}, pod)
          );
        }),
    );

  it('is a valid NetworkPolicy in the temporal namespace selecting the frontend pods, ingress only', () => {
    const out = execFileSync(process.execPath, [repoPath('test', 'deploy', 'support', 'validate-k8s-models.mjs')], {
      input: JSON.stringify([policy]),
      encoding: 'utf8',
    });
    expect(JSON.parse(out).filter((r: { ok: boolean }) => !r.ok)).toEqual([]);
    expect(policy.metadata.namespace).toBe('temporal');
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(matchesSelector(policy.spec.podSelector.matchLabels, frontendPod)).toBe(true);
  });

  it.each(Object.entries(OVERLAYS))('admits every shop pod of %s on 7233', (overlay, namespace) => {
    const objects = render(overlay);
    const ns = named(objects, 'Namespace', namespace).metadata.labels;
    const pods = objects.filter(
      (o) => POD_TEMPLATE_KINDS.includes(o.kind) && APP_IMAGE.test(podSpecOf(o).containers[0].image),
    );
    expect(pods.length).toBeGreaterThan(4);
    for (const o of pods) {
      const labels = (o.spec.template?.metadata?.labels ?? {}) as Record<string, string>;
      expect([
        o.metadata.name,
        admits({ namespace: { ...ns, 'kubernetes.io/metadata.name': namespace }, pod: labels, port: 7233 }),
      ]).toEqual([o.metadata.name, true]);
    }
  });

  it('drops everyone else: other namespaces, unlabelled pods, other ports', () => {
    const shopNs = { 'kubernetes.io/metadata.name': 'shop', 'temporal-shop/temporal-client': 'true' };
    const shopPod = { 'app.kubernetes.io/part-of': 'temporal-shop' };
    expect(admits({ namespace: shopNs, pod: shopPod, port: 7233 })).toBe(true);
    expect(admits({ namespace: { 'kubernetes.io/metadata.name': 'default' }, pod: shopPod, port: 7233 })).toBe(false);
    expect(admits({ namespace: shopNs, pod: { app: 'debug-shell' }, port: 7233 })).toBe(false);
    expect(admits({ namespace: { 'kubernetes.io/metadata.name': 'keda' }, pod: {}, port: 7233 })).toBe(true);
    expect(admits({ namespace: { 'kubernetes.io/metadata.name': 'keda' }, pod: {}, port: 6933 })).toBe(false);
    expect(admits({ namespace: { 'kubernetes.io/metadata.name': 'monitoring' }, pod: {}, port: 7233 })).toBe(false);
    expect(
      admits({
        namespace: { 'kubernetes.io/metadata.name': 'temporal' },
        pod: frontendPod,
        port: 6933,
        sameNamespace: true,
      }),
    ).toBe(true);
  });
});
