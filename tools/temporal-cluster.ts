// The production Temporal server on this machine, in the shape docker-compose.yml and the
// Helm values describe: PostgreSQL persistence, the frontend, history, matching and worker
// services as separate processes, several history shards. Used by `npm run temporal:server`
// (this file run directly) and the cluster test (test/support/temporal-cluster.ts). Harness
// code: never part of the production build.
//
// One source for the configuration: the `temporal` service's environment in docker-compose.yml.
// Each service's configuration is rendered by the server's own `render-config` from that
// environment and the template the `temporalio/server` image renders (the image's entrypoint is
// `temporal-server start` with no configuration file: the template embedded in the binary,
// common/config/config_template_embedded.yaml of the server module); only the variables in
// HOST_OVERRIDES differ, because here four processes share one host and this machine's
// PostgreSQL. The schema is created by the compose file's own deploy/temporal/setup-schema.sh,
// the namespace and search attributes by k8s/base/temporal/setup-namespace.sh.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { waitForTemporal } from '../scripts/dev-server';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type TemporalService = (typeof SERVICES)[number];

export interface TemporalServerTools {
  server: string;
  sqlTool: string;
  /** The server module's source (schema/, common/config/). */
  source: string;
  version: string;
}

/** scripts/temporal-server.mjs: finds or builds temporal-server and temporal-sql-tool. */
export function obtainTemporalServer(): TemporalServerTools {
  const out = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'temporal-server.mjs')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (out.status !== 0) throw new Error('could not obtain temporal-server and temporal-sql-tool (see above)');
  return JSON.parse(out.stdout) as TemporalServerTools;
}

/** The pinned server version (scripts/temporal-server.mjs SERVER_VERSION), without building anything. */
export function pinnedServerVersion(): string {
  const out = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'temporal-server.mjs'), '--pinned'], {
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`scripts/temporal-server.mjs --pinned failed: ${out.stderr}`);
  return out.stdout.trim();
}

// --- the compose file: the one source ----------------------------------------------------------

/** `${NAME:-default}`, `${NAME-default}`, `${NAME}` → the default (compose's value with nothing set). */
export function composeDefaults(value: unknown): string {
  return String(value).replace(/\$\{([A-Z0-9_]+)(?::?[-?]([^}]*))?\}/g, (_m, _name, dflt) => dflt ?? '');
}

export interface ComposeTemporal {
  /** The `temporal` service's environment, interpolated with compose's defaults. */
  server: Record<string, string>;
  /** The `temporal-schema` one-shot's environment. */
  schema: Record<string, string>;
  /** The `temporal-setup` one-shot's environment. */
  setup: Record<string, string>;
  /** The `temporal` service's bind mounts: container path → host path. */
  mounts: Record<string, string>;
  /** The image tag of temporalio/server. */
  serverTag: string;
  /** The working directory of the temporalio/server image (relative paths resolve against it). */
  workdir: string;
}

const envOf = (svc: { environment?: Record<string, unknown> } | undefined, name: string): Record<string, string> => {
  if (!svc?.environment || Array.isArray(svc.environment))
    throw new Error(`docker-compose.yml: service ${name} needs an environment map`);
  return Object.fromEntries(Object.entries(svc.environment).map(([k, v]) => [k, composeDefaults(v)]));
};

export function readComposeTemporal(text = readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) {
  const doc = parse(text) as {
    services: Record<string, { environment?: Record<string, unknown>; image?: string; volumes?: string[] }>;
  };
  const temporal = doc.services.temporal;
  const mounts: Record<string, string> = {};
  for (const v of temporal?.volumes ?? []) {
    const [source, target] = String(v).split(':');
    if (source.startsWith('.')) mounts[target] = path.resolve(REPO_ROOT, source);
  }
  const image = composeDefaults(temporal?.image ?? '');
  const result: ComposeTemporal = {
    server: envOf(temporal, 'temporal'),
    schema: envOf(doc.services['temporal-schema'], 'temporal-schema'),
    setup: envOf(doc.services['temporal-setup'], 'temporal-setup'),
    mounts,
    serverTag: image.split(':')[1] ?? '',
    // docker/targets/server.Dockerfile of the server module: WORKDIR /etc/temporal
    workdir: '/etc/temporal',
  };
  return result;
}

/** A path inside the server container (absolute, or relative to its workdir) → the host file compose mounts there. */
export function hostPathOf(compose: ComposeTemporal, containerPath: string): string {
  const abs = path.posix.resolve(compose.workdir, containerPath);
  for (const [target, source] of Object.entries(compose.mounts))
    if (abs === target || abs.startsWith(`${target}/`)) return path.join(source, path.posix.relative(target, abs));
  throw new Error(`docker-compose.yml mounts nothing at ${abs} for the temporal service`);
}

// --- the configuration of each service -----------------------------------------------------

/**
 * The variables the local cluster sets differently from docker-compose.yml, and why. Every other
 * variable of the compose `temporal` service is passed through unchanged (test/deploy checks).
 */
export const HOST_OVERRIDES: Record<string, string> = {
  POSTGRES_SEEDS: "this machine's PostgreSQL (TEMPORAL_PG_HOST, default 127.0.0.1), not the compose service",
  DB_PORT: 'its port (TEMPORAL_PG_PORT, default the compose value)',
  POSTGRES_USER: 'its user (TEMPORAL_PG_USER, default postgres; trust authentication)',
  BIND_ON_IP: 'loopback only: a shared machine, not a container network (no broadcast address needed)',
  DYNAMIC_CONFIG_FILE_PATH: 'the host file compose mounts at that container path',
  PROMETHEUS_ENDPOINT: 'one port per process (four processes share one host)',
};
/** Variables the compose service leaves to the template's defaults that the local cluster sets. */
export const CLUSTER_ONLY = [
  'DBNAME',
  'VISIBILITY_DBNAME',
  ...SERVICES.flatMap((s) => [`${s.toUpperCase()}_GRPC_PORT`, `${s.toUpperCase()}_MEMBERSHIP_PORT`]),
  'FRONTEND_HTTP_PORT',
];

export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
}

export interface ClusterPorts {
  grpc: Record<TemporalService, number>;
  membership: Record<TemporalService, number>;
  frontendHttp: number;
  metrics: Record<TemporalService, number>;
}

export interface ClusterLayout {
  compose: ComposeTemporal;
  postgres: PostgresTarget;
  /** Prefix of the two database names: '' → `temporal` and `temporal_visibility` (compose's names). */
  dbPrefix: string;
  ports: ClusterPorts;
  /** The port the services reach PostgreSQL on, when not `postgres.port` (a fault test's proxy). */
  servicesPostgresPort?: number;
}

export function databaseNames(dbPrefix: string): { main: string; visibility: string } {
  return { main: `${dbPrefix}temporal`, visibility: `${dbPrefix}temporal_visibility` };
}

/** The environment of one service's process: the compose environment, HOST_OVERRIDES and CLUSTER_ONLY. */
export function serviceEnv(layout: ClusterLayout, service: TemporalService): Record<string, string> {
  const { compose, postgres, ports } = layout;
  const dbs = databaseNames(layout.dbPrefix);
  const env: Record<string, string> = {
    ...compose.server,
    POSTGRES_SEEDS: postgres.host,
    DB_PORT: String(layout.servicesPostgresPort ?? postgres.port),
    POSTGRES_USER: postgres.user,
    BIND_ON_IP: '127.0.0.1',
    DBNAME: dbs.main,
    VISIBILITY_DBNAME: dbs.visibility,
    FRONTEND_HTTP_PORT: String(ports.frontendHttp),
  };
  if (compose.server.DYNAMIC_CONFIG_FILE_PATH)
    env.DYNAMIC_CONFIG_FILE_PATH = hostPathOf(compose, compose.server.DYNAMIC_CONFIG_FILE_PATH);
  if (compose.server.PROMETHEUS_ENDPOINT) env.PROMETHEUS_ENDPOINT = `127.0.0.1:${ports.metrics[service]}`;
  for (const s of SERVICES) {
    env[`${s.toUpperCase()}_GRPC_PORT`] = String(ports.grpc[s]);
    env[`${s.toUpperCase()}_MEMBERSHIP_PORT`] = String(ports.membership[s]);
  }
  return env;
}

/** The environment of deploy/temporal/setup-schema.sh: the compose `temporal-schema` job's, pointed at this machine. */
export function schemaEnv(layout: ClusterLayout, tools: TemporalServerTools): Record<string, string> {
  const dbs = databaseNames(layout.dbPrefix);
  return {
    ...layout.compose.schema,
    SQL_HOST: layout.postgres.host,
    SQL_PORT: String(layout.postgres.port),
    SQL_USER: layout.postgres.user,
    DBNAME: dbs.main,
    VISIBILITY_DBNAME: dbs.visibility,
    SCHEMA_ROOT: path.join(tools.source, 'schema', 'postgresql', 'v12'),
    PATH: `${path.dirname(tools.sqlTool)}:${process.env.PATH ?? ''}`,
  };
}

const MASK = '******';

/** render-config masks secrets (also empty ones); put back the password we set and clear the rest (we set none). */
export function unmaskRendered(doc: unknown, passwords: Record<string, string>): unknown {
  const walk = (node: unknown, key?: string): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n));
    if (node && typeof node === 'object')
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, k)]));
    if (node === MASK) return key && key in passwords ? passwords[key] : '';
    return node;
  };
  return walk(doc);
}

/** Runs `temporal-server render-config` on the image's template with one service's environment. */
export function renderConfig(tools: TemporalServerTools, env: Record<string, string>, dir: string): string {
  const configDir = path.join(dir, 'config');
  mkdirSync(configDir, { recursive: true });
  // render-config loads <config>/<env>.yaml (rendered as a template: it starts with `# enable-template`).
  copyFileSync(
    path.join(tools.source, 'common', 'config', 'config_template_embedded.yaml'),
    path.join(configDir, 'docker.yaml'),
  );
  const out = spawnSync(tools.server, ['--config', configDir, '--env', 'docker', 'render-config'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`temporal-server render-config failed (${out.status}): ${out.stderr}`);
  const doc = unmaskRendered(parse(out.stdout), { password: env.POSTGRES_PWD ?? '' });
  return stringify(doc);
}

// --- the running cluster --------------------------------------------------------------------

export interface ClusterOptions {
  /** Database name prefix ('' → `temporal`, `temporal_visibility`). */
  dbPrefix?: string;
  /** Drop both databases on stop() (a throwaway run). */
  dropDatabasesOnStop?: boolean;
  /** The frontend's gRPC port (default: a free port). */
  frontendPort?: number;
  /**
   * The port the services (not the schema tool) reach PostgreSQL on: a test puts a TCP proxy
   * there to cut the database away from a running cluster. Default: PostgreSQL's own.
   */
  servicesPostgresPort?: number;
  /** Namespace to register with setup-namespace.sh (default: compose's temporal-setup TEMPORAL_NAMESPACE). */
  namespace?: string;
  /** Where the rendered configs and the logs go (default: a fresh temp dir). */
  runDir?: string;
  log?: (line: string) => void;
}

export interface Timings {
  schemaMs: number;
  startMs: number;
  namespaceMs: number;
}

/** The parts of a rendered server configuration the harness and its tests read. */
export interface RenderedConfig {
  persistence: {
    numHistoryShards: number;
    defaultStore: string;
    visibilityStore: string;
    datastores: Record<
      string,
      { sql?: { pluginName: string; databaseName: string; connectAddr: string; user: string } }
    >;
  };
  services: Record<string, { rpc: { grpcPort: number; membershipPort: number; bindOnIP: string } }>;
  global: { metrics?: { prometheus?: { listenAddress: string } } };
  dynamicConfigClient?: { filepath: string };
}

export interface TemporalCluster {
  address: string;
  namespace: string;
  runDir: string;
  layout: ClusterLayout;
  tools: TemporalServerTools;
  databases: { main: string; visibility: string };
  timings: Timings;
  /** The configuration each service runs (rendered by render-config, parsed). */
  renderedConfig(service: TemporalService): RenderedConfig;
  pid(service: TemporalService): number | undefined;
  /** What the service's current process has logged (JSON lines), since it was last started. */
  processLog(service: TemporalService): string;
  /** Kills one service's process (default SIGKILL) and waits until it has exited. */
  kill(service: TemporalService, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a service that was killed again, and waits until it listens. */
  restart(service: TemporalService): Promise<void>;
  stop(): Promise<void>;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );

async function listening(port: number, timeoutMs: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it listened on ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms`);
}

/**
 * Runs one of the deploy scripts. Asynchronously: a test may run a TCP proxy between the services
 * and PostgreSQL in this process, and a blocked event loop would freeze it (and the cluster).
 */
async function runScript(script: string, env: Record<string, string>, what: string, logFile: string): Promise<void> {
  const child = spawn('sh', [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (output += b.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('close', (c, sig) => resolve([c, sig])),
  );
  clearTimeout(timer);
  appendFileSync(logFile, `$ sh ${script}\n${output}\n`);
  if (code !== 0) throw new Error(`${what} failed (${code ?? signal}); log: ${logFile}\n${output}`);
}

export async function dropDatabases(tools: TemporalServerTools, layout: ClusterLayout): Promise<void> {
  for (const db of Object.values(databaseNames(layout.dbPrefix))) {
    const out = spawnSync(
      tools.sqlTool,
      [
        '--plugin',
        layout.compose.schema.SQL_PLUGIN ?? 'postgres12',
        '--ep',
        layout.postgres.host,
        '-p',
        String(layout.postgres.port),
        '-u',
        layout.postgres.user,
        '--db',
        db,
        'drop-database',
        '--force',
      ],
      { env: { ...process.env, SQL_PASSWORD: layout.compose.schema.SQL_PASSWORD ?? '' }, encoding: 'utf8' },
    );
    if (out.status !== 0) throw new Error(`dropping ${db} failed: ${out.stderr}`);
  }
}

/**
 * A free port below 32768: the SQL schemas store membership ports in a SMALLINT
 * (cluster_membership.rpc_port), so the kernel's ephemeral ports (32768+, what freePort()
 * returns) make the services die at start ("value ... is out of range for type smallint").
 */
export async function freeLowPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (taken.has(port)) continue;
    const ok = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (ok) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port below 32768');
}

async function pickPorts(frontendPort?: number): Promise<ClusterPorts> {
  const taken = new Set<number>(frontendPort ? [frontendPort] : []);
  const record = async () => {
    const r = {} as Record<TemporalService, number>;
    for (const s of SERVICES) r[s] = await freeLowPort(taken);
    return r;
  };
  const grpc = await record();
  if (frontendPort) grpc.frontend = frontendPort;
  return { grpc, membership: await record(), frontendHttp: await freeLowPort(taken), metrics: await record() };
}

export async function startTemporalCluster(opts: ClusterOptions = {}): Promise<TemporalCluster> {
  const log = opts.log ?? (() => undefined);
  const tools = obtainTemporalServer();
  const compose = readComposeTemporal();
  const layout: ClusterLayout = {
    compose,
    postgres: {
      host: process.env.TEMPORAL_PG_HOST ?? '127.0.0.1',
      port: Number(process.env.TEMPORAL_PG_PORT ?? compose.server.DB_PORT ?? 5432),
      user: process.env.TEMPORAL_PG_USER ?? 'postgres',
    },
    dbPrefix: opts.dbPrefix ?? '',
    ports: await pickPorts(opts.frontendPort),
    servicesPostgresPort: opts.servicesPostgresPort,
  };
  const runDir = opts.runDir ?? mkdtempSync(path.join(os.tmpdir(), 'temporal-cluster-'));
  mkdirSync(runDir, { recursive: true });
  const setupLog = path.join(runDir, 'setup.log');
  const databases = databaseNames(layout.dbPrefix);
  const namespace = opts.namespace ?? compose.setup.TEMPORAL_NAMESPACE ?? 'default';
  const address = `127.0.0.1:${layout.ports.grpc.frontend}`;

  let t = Date.now();
  log(`schema: ${databases.main}, ${databases.visibility} on ${layout.postgres.host}:${layout.postgres.port}`);
  await runScript(
    path.join(REPO_ROOT, 'deploy', 'temporal', 'setup-schema.sh'),
    schemaEnv(layout, tools),
    'setup-schema.sh',
    setupLog,
  );
  const schemaMs = Date.now() - t;

  const configFiles = {} as Record<TemporalService, string>;
  for (const s of SERVICES) {
    configFiles[s] = path.join(runDir, `${s}.yaml`);
    writeFileSync(configFiles[s], renderConfig(tools, serviceEnv(layout, s), path.join(runDir, 'render')));
  }

  const children = new Map<TemporalService, ChildProcess>();
  const logOffsets = new Map<TemporalService, number>();
  const spawnService = async (s: TemporalService) => {
    const logFile = path.join(runDir, `${s}.log`);
    appendFileSync(logFile, `--- start ${new Date().toISOString()}\n`);
    logOffsets.set(s, statSync(logFile).size);
    // As the image's entrypoint runs it (`temporal-server start`), with the rendered file.
    const child = spawn(tools.server, ['--config-file', configFiles[s], 'start', '--service', s], {
      env: { PATH: process.env.PATH ?? '', HOME: runDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const write = (b: Buffer) => appendFileSync(logFile, b);
    child.stdout?.on('data', write);
    child.stderr?.on('data', write);
    children.set(s, child);
    // The worker service serves no gRPC API: it is up once it has joined the membership ring.
    const port = s === 'worker' ? layout.ports.membership[s] : layout.ports.grpc[s];
    await listening(port, 60_000, child, `temporal-server ${s} (log ${logFile})`);
  };

  const stop = async () => {
    for (const child of children.values())
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.all(
      [...children.values()].map(async (child) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited(child);
        clearTimeout(timer);
      }),
    );
    if (opts.dropDatabasesOnStop) await dropDatabases(tools, layout);
  };

  // Obtained before the services run: it may take a while, and it blocks this process.
  const cli = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'temporal-cli.mjs')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (cli.status !== 0) throw new Error('could not obtain the temporal CLI');
  const cliPath = cli.stdout.trim();

  t = Date.now();
  try {
    for (const s of SERVICES) await spawnService(s);
    await waitForTemporal(address, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const startMs = Date.now() - t;

  t = Date.now();
  try {
    await runScript(
      path.join(REPO_ROOT, 'k8s', 'base', 'temporal', 'setup-namespace.sh'),
      {
        ...compose.setup,
        PATH: `${path.dirname(cliPath)}:${process.env.PATH ?? ''}`,
        HOME: runDir,
        TEMPORAL_ADDRESS: address,
        TEMPORAL_NAMESPACE: namespace,
      },
      'setup-namespace.sh',
      setupLog,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const namespaceMs = Date.now() - t;
  log(`cluster up at ${address} (namespace ${namespace}); configs and logs in ${runDir}`);

  return {
    address,
    namespace,
    runDir,
    layout,
    tools,
    databases,
    timings: { schemaMs, startMs, namespaceMs },
    renderedConfig: (s) => parse(readFileSync(configFiles[s], 'utf8')) as RenderedConfig,
    pid: (s) => children.get(s)?.pid,
    processLog: (s) =>
      readFileSync(path.join(runDir, `${s}.log`))
        .subarray(logOffsets.get(s) ?? 0)
        .toString('utf8'),
    async kill(s, signal = 'SIGKILL') {
      const child = children.get(s);
      if (!child) throw new Error(`no ${s} process`);
      child.kill(signal);
      await exited(child);
    },
    async restart(s) {
      const child = children.get(s);
      if (child && child.exitCode === null && child.signalCode === null) throw new Error(`${s} is still running`);
      await spawnService(s);
    },
    stop,
  };
}

// `npm run temporal:server`: the cluster on the databases `temporal` and `temporal_visibility`
// (kept between runs), frontend on TEMPORAL_CLUSTER_PORT (default 7233), until Ctrl-C.
if (require.main === module) {
  const port = Number(process.env.TEMPORAL_CLUSTER_PORT ?? 7233);
  startTemporalCluster({
    frontendPort: port,
    dbPrefix: process.env.TEMPORAL_DB_PREFIX ?? '',
    namespace: process.env.TEMPORAL_NAMESPACE,
    runDir: path.join(REPO_ROOT, '.data', 'temporal-cluster'),
    log: (l) => console.log(`[temporal-cluster] ${l}`),
  }).then(
    (cluster) => {
      const t = cluster.timings;
      console.log(
        `[temporal-cluster] ${SERVICES.map((s) => `${s} pid ${cluster.pid(s)}`).join(', ')}; ` +
          `schema ${t.schemaMs} ms, services ${t.startMs} ms, namespace ${t.namespaceMs} ms`,
      );
      console.log(
        `[temporal-cluster] TEMPORAL_ADDRESS=${cluster.address} TEMPORAL_NAMESPACE=${cluster.namespace}; Ctrl-C stops it`,
      );
      let stopping = false;
      const shutdown = () => {
        if (stopping) return;
        stopping = true;
        cluster.stop().then(() => process.exit(0));
      };
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
    },
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
