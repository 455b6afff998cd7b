// docker-compose.yml: valid against the Compose Specification's JSON schema, the full stack
// present, a start order that `docker compose up` can follow (health checks and depends_on
// conditions), Temporal set up the current way (schema job + temporalio/server, no
// auto-setup), and an app configuration the app itself accepts.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { parseConfig } from '../../common/config';
import { ORDER_SEARCH_ATTRIBUTES } from '../../workflows/orders/contract';
import { DOMAINS } from '../../workers/worker-spec';
import {
  CONFIG_KEYS,
  composeEnv,
  durationMs,
  interpolate,
  loadYaml,
  readRepoFile,
  repoPath,
} from './support/deploy-helpers';

const SCHEMA_FILE = repoPath('test', 'deploy', 'fixtures', 'compose-spec.schema.json');
const SCHEMA_SHA256 = '46b7d35f19dd93a05f8fea530291bf84d881c1791ec167ecf0e6fb94e639d496';

type Service = Record<string, any>;
const raw = loadYaml<{ services: Record<string, Service>; volumes?: Record<string, unknown>; [k: string]: unknown }>(
  'docker-compose.yml',
);
/** The file as `docker compose` sees it with only the required JWT_SECRET set in the shell (defaults apply). */
const JWT_SECRET = 'compose-test-secret-of-at-least-32-bytes!!';
const compose = interpolate(raw, { JWT_SECRET });
const services = compose.services;

const ONE_SHOTS = ['temporal-schema', 'temporal-setup', 'migrate'];
const WORKERS = DOMAINS.map((d) => `worker-${d}`);
const APP_SERVICES = ['migrate', 'gateway', ...WORKERS];
const imageOf = (s: Service) => String(s.image ?? '');
const dependsOn = (s: Service): Record<string, { condition: string }> =>
  Array.isArray(s.depends_on)
    ? Object.fromEntries(s.depends_on.map((d: string) => [d, { condition: 'service_started' }]))
    : (s.depends_on ?? {});
const hasHealthcheck = (name: string) => {
  const s = services[name];
  // The app image declares a HEALTHCHECK of its own; other images need one here.
  return (s.healthcheck && !s.healthcheck.disable) || (APP_SERVICES.includes(name) && !s.healthcheck?.disable);
};

describe('docker-compose.yml', () => {
  it('validates against the Compose Specification JSON schema', () => {
    const text = readFileSync(SCHEMA_FILE, 'utf8');
    expect(createHash('sha256').update(text).digest('hex')).toBe(SCHEMA_SHA256);
    const schema = JSON.parse(text);
    delete schema.$schema; // draft-07 under an https id Ajv does not alias
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    // Both the file as written (anchors merged) and after variable interpolation.
    for (const doc of [raw, compose]) {
      const ok = validate(doc);
      expect(ajv.errorsText(validate.errors, { separator: '\n' })).toBe('No errors');
      expect(ok).toBe(true);
    }
  });

  it('catches a broken service (the schema check is not vacuous)', () => {
    const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'));
    delete schema.$schema;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const broken = structuredClone(compose) as any;
    broken.services.gateway.healthcheck.intervall = '5s';
    broken.services.mysql.depends_on = { redis: { condition: 'service_happy' } };
    expect(validate(broken)).toBe(false);
  });

  it('runs the full stack', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'mysql',
        'redis',
        'rabbitmq',
        'temporal-postgresql',
        'temporal-schema',
        'temporal',
        'temporal-setup',
        'temporal-ui',
        'mailpit',
        'migrate',
        'gateway',
        ...WORKERS,
        'prometheus',
        'grafana',
      ].sort(),
    );
    expect(imageOf(services.mysql)).toMatch(/^mysql:8(\.\d+)*$/);
    expect(imageOf(services.redis)).toMatch(/^redis:\d/);
    expect(imageOf(services.rabbitmq)).toMatch(/^rabbitmq:\d/);
    expect(imageOf(services.mailpit)).toMatch(/^axllent\/mailpit:v\d/);
    expect(imageOf(services.prometheus)).toMatch(/^prom\/prometheus:v\d/);
    expect(imageOf(services.grafana)).toMatch(/^grafana\/grafana:\d/);
    expect(imageOf(services['temporal-ui'])).toMatch(/^temporalio\/ui:\d/);
    for (const s of Object.values(services)) expect(imageOf(s)).not.toMatch(/:latest$|^[^:]+$/);
  });

  it('sets Temporal up the current way: PostgreSQL, an admin-tools schema job, then temporalio/server (no auto-setup)', () => {
    for (const s of Object.values(services)) expect(imageOf(s)).not.toMatch(/temporalio\/auto-setup/);
    const server = services.temporal;
    expect(imageOf(server)).toMatch(/^temporalio\/server:\d+\.\d+\.\d+$/);
    expect(imageOf(services['temporal-schema'])).toMatch(/^temporalio\/admin-tools:/);
    expect(dependsOn(server)['temporal-schema'].condition).toBe('service_completed_successfully');
    expect(dependsOn(services['temporal-schema'])['temporal-postgresql'].condition).toBe('service_healthy');
    const env = composeEnv(server.environment);
    expect(env.DB).toBe('postgres12');
    expect(env.POSTGRES_SEEDS).toBe('temporal-postgresql');
    expect(composeEnv(services['temporal-postgresql'].environment).POSTGRES_PASSWORD).toBe(env.POSTGRES_PWD);
    expect(env.PROMETHEUS_ENDPOINT).toMatch(/:8000$/);
    // Admin-tools and server from the same release.
    expect(imageOf(services['temporal-schema']).split(':')[1]).toBe(imageOf(server).split(':')[1]);
    expect(imageOf(services['temporal-setup'])).toBe(imageOf(services['temporal-schema']));
    const schemaScript = readRepoFile('deploy', 'temporal', 'setup-schema.sh');
    for (const db of ['temporal', 'temporal_visibility']) expect(schemaScript).toContain(db);
    expect(schemaScript).toMatch(/setup-schema -v 0\.0/);
    expect(schemaScript).toMatch(/update-schema -d "\$dir"/);
    expect(schemaScript).toContain('SCHEMA_ROOT:=/etc/temporal/schema/postgresql/v12');
    expect(schemaScript).toContain('DBNAME:=temporal}');
    expect(schemaScript).toContain('VISIBILITY_DBNAME:=temporal_visibility}');
    // The schema job prepares the databases the server opens (the same names, same defaults).
    const schemaEnv = composeEnv(services['temporal-schema'].environment);
    for (const k of ['DBNAME', 'VISIBILITY_DBNAME']) expect(schemaEnv[k]).toBe(env[k]);
    expect(schemaEnv.SQL_HOST).toBe(env.POSTGRES_SEEDS);
    expect(schemaEnv.SQL_PASSWORD).toBe(env.POSTGRES_PWD);
    expect(schemaScript).toContain('$SCHEMA_ROOT/temporal/versioned');
    expect(schemaScript).toContain('$SCHEMA_ROOT/visibility/versioned');
  });

  it('registers the namespace and the order search attributes of workflows/orders/contract.ts', () => {
    const setup = services['temporal-setup'];
    expect(dependsOn(setup).temporal.condition).toBe('service_healthy');
    const env = composeEnv(setup.environment);
    expect(env.TEMPORAL_NAMESPACE).toBe(composeEnv(services.gateway.environment).TEMPORAL_NAMESPACE);
    const mount = setup.volumes.find((v: string) => v.includes('setup-namespace.sh'));
    // The k8s Job's script, not a copy of it.
    expect(mount.split(':')[0]).toBe('./k8s/base/temporal/setup-namespace.sh');
    const script = readRepoFile(mount.split(':')[0]);
    for (const [name, type] of Object.entries(ORDER_SEARCH_ATTRIBUTES)) expect(script).toContain(`${name}:${type}`);
    const pairs = /for pair in ([^;]+);/.exec(script)![1].trim().split(/\s+/);
    expect(pairs.sort()).toEqual(
      Object.entries(ORDER_SEARCH_ATTRIBUTES)
        .map(([n, t]) => `${n}:${t}`)
        .sort(),
    );
    expect(script).toMatch(/search-attribute create -n "\$TEMPORAL_NAMESPACE" --name "\$name" --type "\$type"/);
  });

  it('enables update-with-start and workflow updates in the server dynamic config', () => {
    const env = composeEnv(services.temporal.environment);
    const mount = services.temporal.volumes.find((v: string) => v.endsWith('/etc/temporal/config/dynamicconfig:ro'));
    expect(mount).toBeDefined();
    const file = `${mount.split(':')[0].replace(/^\.\//, '')}/${env.DYNAMIC_CONFIG_FILE_PATH.split('/').pop()}`;
    const dc = loadYaml<Record<string, { value: unknown }[]>>(file);
    expect(env.DYNAMIC_CONFIG_FILE_PATH).toMatch(/^config\/dynamicconfig\//);
    for (const key of ['frontend.enableUpdateWorkflowExecution', 'frontend.enableExecuteMultiOperation'])
      expect(dc[key]?.[0]?.value).toBe(true);
  });

  it('gives every long-running service a health check; one-shots have none and do not restart forever', () => {
    for (const [name, s] of Object.entries(services)) {
      if (ONE_SHOTS.includes(name)) {
        expect([name, s.restart ?? 'no']).toEqual([name, expect.stringMatching(/^(no|on-failure(:\d+)?)$/)]);
        continue;
      }
      if (name === 'temporal-ui') continue; // nothing depends on the UI; its image has no probe tool
      expect([name, hasHealthcheck(name)]).toEqual([name, true]);
      const test = s.healthcheck?.test;
      if (Array.isArray(test)) expect([name, ['CMD', 'CMD-SHELL'].includes(test[0])]).toEqual([name, true]);
    }
  });

  it('orders start-up with depends_on conditions that match what each dependency is', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(dependsOn(s))) {
        expect([name, dep, dep in services]).toEqual([name, dep, true]);
        if (ONE_SHOTS.includes(dep))
          expect([name, dep, condition]).toEqual([name, dep, 'service_completed_successfully']);
        else {
          expect([name, dep, condition]).toEqual([name, dep, 'service_healthy']);
          expect([dep, hasHealthcheck(dep)]).toEqual([dep, true]);
        }
      }
    }
    // No cycles: a topological order exists.
    const order: string[] = [];
    const visiting = new Set<string>();
    const visit = (n: string, path: string[]) => {
      if (order.includes(n)) return;
      if (visiting.has(n)) throw new Error(`depends_on cycle: ${[...path, n].join(' -> ')}`);
      visiting.add(n);
      for (const d of Object.keys(dependsOn(services[n]))) visit(d, [...path, n]);
      visiting.delete(n);
      order.push(n);
    };
    Object.keys(services).forEach((n) => visit(n, []));
    const before = (a: string, b: string) => expect(order.indexOf(a)).toBeLessThan(order.indexOf(b));
    before('mysql', 'migrate');
    before('migrate', 'gateway');
    before('temporal-setup', 'gateway');
    for (const w of WORKERS) {
      before('migrate', w);
      before('temporal-setup', w);
      expect(dependsOn(services[w]).migrate.condition).toBe('service_completed_successfully');
      expect(dependsOn(services[w])['temporal-setup'].condition).toBe('service_completed_successfully');
      expect(dependsOn(services[w]).redis.condition).toBe('service_healthy');
    }
    expect(dependsOn(services.gateway).redis.condition).toBe('service_healthy');
    expect(dependsOn(services['worker-notifications']).mailpit.condition).toBe('service_healthy');
  });

  it('runs each worker pool as its own service on its own task queue, with the app image', () => {
    const image = imageOf(services.gateway);
    for (const name of APP_SERVICES) {
      expect(imageOf(services[name])).toBe(image);
      expect(services[name].build?.context).toBe('.');
      expect(services[name].entrypoint).toBeUndefined(); // keeps tini from the image
    }
    expect(services.gateway.command).toEqual(['node', 'dist/api/main.js']);
    expect(services.migrate.command).toEqual(['node', 'dist/db/migrate.js']);
    for (const d of DOMAINS) expect(services[`worker-${d}`].command).toEqual(['node', 'dist/workers/main.js', d]);
    for (const w of WORKERS) {
      const test = services[w].healthcheck.test as string[];
      expect(test.join(' ')).toContain(':9465/readyz');
    }
    expect((services.gateway.healthcheck.test as string[]).join(' ')).toContain(':3000/readyz');
  });

  it('gives workers a stop grace period longer than WORKER_SHUTDOWN_GRACE_MS', () => {
    for (const w of WORKERS) {
      const env = composeEnv(services[w].environment);
      const grace = Number(env.WORKER_SHUTDOWN_GRACE_MS ?? 10_000);
      expect(durationMs(services[w].stop_grace_period)).toBeGreaterThan(grace + 5_000);
    }
  });

  it('configures the app with variables common/config.ts knows and accepts, against the stack services', () => {
    for (const name of APP_SERVICES) {
      const env = composeEnv(services[name].environment);
      for (const key of Object.keys(env)) expect([name, key, CONFIG_KEYS.has(key)]).toEqual([name, key, true]);
      const config = parseConfig(env);
      expect(config.NODE_ENV).toBe('production');
      expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(new URL(config.MYSQL_URL!).host).toBe('mysql:3306');
      expect(new URL(config.REDIS_URL!).host).toBe('redis:6379');
      expect(new URL(config.SMTP_URL!).host).toBe('mailpit:1025');
      expect(new URL(config.AMQP_URL!).host).toBe('rabbitmq:5672');
    }
    // Integration events go to the stack's RabbitMQ, as the user it is initialised with.
    const rabbitEnv = composeEnv(services.rabbitmq.environment);
    const amqp = new URL(composeEnv(services.gateway.environment).AMQP_URL);
    expect([amqp.username, amqp.password]).toEqual([rabbitEnv.RABBITMQ_DEFAULT_USER, rabbitEnv.RABBITMQ_DEFAULT_PASS]);
    // The app's database user/password are the ones MySQL is initialised with.
    const mysqlEnv = composeEnv(services.mysql.environment);
    const url = new URL(composeEnv(services.gateway.environment).MYSQL_URL);
    expect([url.username, url.password, url.pathname.slice(1)]).toEqual([
      mysqlEnv.MYSQL_USER,
      mysqlEnv.MYSQL_PASSWORD,
      mysqlEnv.MYSQL_DATABASE,
    ]);
  });

  it('ships no JWT key: the gateway requires JWT_SECRET from the shell, no other service carries it', () => {
    expect(() => interpolate(raw, {})).toThrow(/JWT_SECRET is required/);
    expect(composeEnv(services.gateway.environment).JWT_SECRET).toBe(JWT_SECRET);
    for (const name of APP_SERVICES.filter((n) => n !== 'gateway')) {
      expect([name, composeEnv(services[name].environment).JWT_SECRET]).toEqual([name, undefined]);
    }
  });

  it('hardens the app containers and publishes ports on localhost only', () => {
    for (const name of APP_SERVICES) {
      expect(services[name].read_only).toBe(true);
      expect(services[name].cap_drop).toEqual(['ALL']);
      expect(services[name].security_opt).toContain('no-new-privileges:true');
    }
    for (const [name, s] of Object.entries(services)) {
      for (const p of s.ports ?? [])
        expect([name, String(p)]).toEqual([name, expect.stringMatching(/^127\.0\.0\.1:\d+:\d+$/)]);
    }
  });

  it('mounts files that exist in the repository (other than the observability files owned elsewhere)', () => {
    const ownedElsewhere = ['./ops/prometheus/alerts.yml', './ops/grafana/provisioning', './ops/grafana/dashboards'];
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const src = String(v).split(':')[0];
        if (!src.startsWith('.')) {
          expect([name, src, src in (compose.volumes ?? {})]).toEqual([name, src, true]);
          continue;
        }
        if (ownedElsewhere.includes(src)) continue;
        expect([name, src, existsSync(repoPath(src))]).toEqual([name, src, true]);
      }
    }
  });

  it('provisions Prometheus with the rule file and Grafana with datasources and dashboards', () => {
    const prom = services.prometheus;
    const mounts = (prom.volumes as string[]).map((v) => v.split(':'));
    expect(mounts).toEqual(
      expect.arrayContaining([
        ['./ops/prometheus/prometheus.yml', '/etc/prometheus/prometheus.yml', 'ro'],
        ['./ops/prometheus/alerts.yml', '/etc/prometheus/alerts.yml', 'ro'],
      ]),
    );
    const promConfig = loadYaml<any>('ops', 'prometheus', 'prometheus.yml');
    expect(promConfig.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    const gmounts = (services.grafana.volumes as string[]).map((v) => v.split(':').slice(0, 2));
    expect(gmounts).toEqual(
      expect.arrayContaining([
        ['./ops/grafana/provisioning', '/etc/grafana/provisioning'],
        ['./ops/grafana/dashboards', '/var/lib/grafana/dashboards'],
      ]),
    );
  });
});

describe('ops/prometheus/prometheus.yml', () => {
  const config = loadYaml<any>('ops', 'prometheus', 'prometheus.yml');
  const targetsOf = (job: string) => {
    const sc = config.scrape_configs.find((s: any) => s.job_name === job);
    expect(sc).toBeDefined();
    return sc.static_configs.flatMap((c: any) =>
      c.targets.map((t: string) => ({ target: t, labels: c.labels ?? {}, path: sc.metrics_path ?? '/metrics' })),
    );
  };

  it('scrapes the gateway, every worker pool on both ports, and the Temporal server', () => {
    expect(targetsOf('shop-gateway').map((t: any) => t.target)).toEqual(['gateway:3000']);
    const workers = targetsOf('shop-worker');
    const sdk = targetsOf('temporal-sdk');
    expect(workers.map((t: any) => t.target).sort()).toEqual(WORKERS.map((w) => `${w}:9465`).sort());
    expect(sdk.map((t: any) => t.target).sort()).toEqual(WORKERS.map((w) => `${w}:9464`).sort());
    for (const t of [...workers, ...sdk]) expect(t.target.startsWith(`worker-${t.labels.pool}:`)).toBe(true);
    const promEndpoint = composeEnv(services.temporal.environment).PROMETHEUS_ENDPOINT;
    expect(targetsOf('temporal-server').map((t: any) => t.target)).toEqual([
      `temporal:${promEndpoint.split(':').pop()}`,
    ]);
  });

  it('is a valid Prometheus configuration (promtool check config where installed; CI installs it)', () => {
    expect(config.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    for (const sc of config.scrape_configs) {
      expect(
        Object.keys(sc).every((k) =>
          ['job_name', 'metrics_path', 'static_configs', 'scrape_interval', 'scrape_timeout'].includes(k),
        ),
      ).toBe(true);
      for (const c of sc.static_configs) for (const t of c.targets) expect(t).toMatch(/^[\w.-]+:\d+$/);
    }
    const jobs = config.scrape_configs.map((s: any) => s.job_name);
    expect(new Set(jobs).size).toBe(jobs.length);
    const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    if (promtool.error) return; // structural checks above; promtool adds Prometheus' own parser
    // promtool resolves rule_files on disk: check a copy whose rule file is an empty one.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'prom-'));
    writeFileSync(path.join(dir, 'alerts.yml'), 'groups: []\n');
    writeFileSync(
      path.join(dir, 'prometheus.yml'),
      readRepoFile('ops', 'prometheus', 'prometheus.yml').replace('/etc/prometheus/alerts.yml', 'alerts.yml'),
    );
    const check = spawnSync('promtool', ['check', 'config', path.join(dir, 'prometheus.yml')], { encoding: 'utf8' });
    expect(check.stdout + check.stderr).toMatch(/SUCCESS: .*prometheus\.yml is valid prometheus config/);
    expect(check.status).toBe(0);
  });

  it('scrapes only services that exist in docker-compose.yml, on ports they serve', () => {
    const all = config.scrape_configs.flatMap((sc: any) =>
      sc.static_configs.flatMap((c: any) => c.targets as string[]),
    );
    for (const t of all) {
      const [host] = t.split(':');
      if (host === '127.0.0.1' || host === 'localhost') continue;
      expect([t, host in services]).toEqual([t, true]);
    }
    for (const w of WORKERS) {
      const env = composeEnv(services[w].environment);
      expect(env.WORKER_HTTP_PORT).toBe('9465');
      expect(env.TEMPORAL_METRICS_BIND).toBe('0.0.0.0:9464');
    }
  });
});
