// The local production-shape Temporal cluster (tools/temporal-cluster.ts, `npm run
// temporal:server`, the cluster test) and docker-compose.yml share one configuration: the
// compose `temporal` service's environment, read from the file. Every compose variable reaches
// the server processes unchanged unless HOST_OVERRIDES names it; the harness adds only the
// per-service ports and the database names. And the server built here is the version the
// compose file, the Helm values and the k8s Job run.
import { readFileSync } from 'node:fs';
import {
  CLUSTER_ONLY,
  type ClusterLayout,
  HOST_OVERRIDES,
  SERVICES,
  type TemporalService,
  hostPathOf,
  pinnedServerVersion,
  readComposeTemporal,
  schemaEnv,
  serviceEnv,
} from '../../tools/temporal-cluster';
import { loadYaml, repoPath } from './support/deploy-helpers';

const ports = (base: number) =>
  Object.fromEntries(SERVICES.map((s, i) => [s, base + i])) as Record<TemporalService, number>;
const layoutOf = (compose = readComposeTemporal()): ClusterLayout => ({
  compose,
  postgres: { host: '127.0.0.1', port: 5432, user: 'postgres' },
  dbPrefix: 'tc_x_',
  ports: { grpc: ports(21000), membership: ports(22000), frontendHttp: 23000, metrics: ports(24000) },
});

describe('the local cluster configuration comes from docker-compose.yml', () => {
  const compose = readComposeTemporal();

  it('passes every compose variable of the temporal service through, except the named host overrides', () => {
    expect(Object.keys(compose.server).length).toBeGreaterThan(5);
    for (const s of SERVICES) {
      const env = serviceEnv(layoutOf(), s);
      const differing = Object.keys(compose.server).filter((k) => env[k] !== compose.server[k]);
      expect(differing.filter((k) => !(k in HOST_OVERRIDES))).toEqual([]);
      const added = Object.keys(env).filter((k) => !(k in compose.server));
      expect(added.filter((k) => !CLUSTER_ONLY.includes(k))).toEqual([]);
    }
    // An override of a variable compose does not set would be a configuration of its own.
    expect(Object.keys(HOST_OVERRIDES).filter((k) => !(k in compose.server))).toEqual([]);
  });

  it('states the persistence and the shard count in the compose file (postgres12, 4 shards)', () => {
    expect(compose.server).toMatchObject({ DB: 'postgres12', NUM_HISTORY_SHARDS: '4' });
    expect(serviceEnv(layoutOf(), 'history')).toMatchObject({ DB: 'postgres12', NUM_HISTORY_SHARDS: '4' });
  });

  it('follows the file: a changed or added compose variable reaches every service', () => {
    const text = readFileSync(repoPath('docker-compose.yml'), 'utf8').replace(
      "NUM_HISTORY_SHARDS: '4'",
      "NUM_HISTORY_SHARDS: '8'\n      LOG_LEVEL: debug",
    );
    const changed = readComposeTemporal(text);
    for (const s of SERVICES)
      expect(serviceEnv(layoutOf(changed), s)).toMatchObject({ NUM_HISTORY_SHARDS: '8', LOG_LEVEL: 'debug' });
  });

  it('gives each process its own ports and the host file compose mounts as dynamic config', () => {
    const envs = SERVICES.map((s) => serviceEnv(layoutOf(), s));
    expect(new Set(envs.map((e) => e.PROMETHEUS_ENDPOINT)).size).toBe(4);
    for (const e of envs) {
      expect(e.DYNAMIC_CONFIG_FILE_PATH).toBe(repoPath('deploy', 'temporal', 'dynamicconfig', 'shop.yaml'));
      expect(e).toMatchObject({ DBNAME: 'tc_x_temporal', VISIBILITY_DBNAME: 'tc_x_temporal_visibility' });
    }
    expect(hostPathOf(compose, '/etc/temporal/config/dynamicconfig/shop.yaml')).toBe(envs[0].DYNAMIC_CONFIG_FILE_PATH);
  });

  it('runs the schema job with the compose temporal-schema environment, pointed at this machine', () => {
    const tools = { server: '/x/temporal-server', sqlTool: '/x/temporal-sql-tool', source: '/src', version: '' };
    const env = schemaEnv(layoutOf(), tools);
    expect(env).toMatchObject({
      SQL_PLUGIN: compose.schema.SQL_PLUGIN,
      SQL_PASSWORD: compose.schema.SQL_PASSWORD,
      DBNAME: 'tc_x_temporal',
      VISIBILITY_DBNAME: 'tc_x_temporal_visibility',
      SCHEMA_ROOT: '/src/schema/postgresql/v12',
    });
    expect(env.PATH.split(':')[0]).toBe('/x');
  });
});

describe('one Temporal server version everywhere', () => {
  const version = pinnedServerVersion();
  type Images = { services: Record<string, { image: string }> };
  const compose = loadYaml<Images>('docker-compose.yml');
  const helm = loadYaml<{ server: { image: { tag: string } }; admintools: { image: { tag: string } } }>(
    'deploy',
    'temporal-helm-values.yaml',
  );
  const job = loadYaml<{ spec: { template: { spec: { containers: { image: string }[] } } } }>(
    'k8s',
    'base',
    'jobs',
    'temporal-setup.yaml',
  );
  const tag = (image: string) => image.replace(/\$\{[A-Z_]+:-([^}]+)\}/, '$1').split(':')[1];

  it('is the version scripts/temporal-server.mjs builds', () => {
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect({
      composeServer: tag(compose.services.temporal.image),
      composeSchema: tag(compose.services['temporal-schema'].image),
      composeSetup: tag(compose.services['temporal-setup'].image),
      helmServer: helm.server.image.tag,
      helmAdmintools: helm.admintools.image.tag,
      k8sSetupJob: tag(job.spec.template.spec.containers[0].image),
    }).toEqual({
      composeServer: version,
      composeSchema: version,
      composeSetup: version,
      helmServer: version,
      helmAdmintools: version,
      k8sSetupJob: version,
    });
  });
});
