#!/usr/bin/env node
// Obtains the production Temporal server (`temporal-server`) and its schema tool
// (`temporal-sql-tool`) at the version the compose file and the Helm values pin, the way
// scripts/temporal-cli.mjs obtains the CLI: TEMPORAL_SERVER / TEMPORAL_SQL_TOOL, else PATH,
// else the project-local .tools/bin, else built with `go install` into .tools/bin (about 6
// minutes on a cold Go build cache, once per machine). A binary of another version is passed
// over. Also finds the server's module source (the schema files and the configuration
// template the `temporalio/server` image renders), in the Go module cache.
// Plain Node, no dependencies. `node scripts/temporal-server.mjs` prints the paths as JSON;
// `--pinned` prints the pinned version only (builds nothing).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The server version built here; docker-compose.yml, the Helm values and k8s pin the same (test/deploy checks). */
export const SERVER_VERSION = '1.30.4';
export const SERVER_MODULE = 'go.temporal.io/server';
/** binary name → package of the server module (`go install` names them `server` and `sql`). */
export const SERVER_PACKAGES = { 'temporal-server': 'cmd/server', 'temporal-sql-tool': 'cmd/tools/sql' };
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TOOLS_BIN = path.join(root, '.tools', 'bin');

function onPath(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function goBinary() {
  return onPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/** `temporal version 1.30.4` / `temporal-sql-tool version 1.30.4` → '1.30.4'. */
export function binaryVersion(file) {
  const r = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 ? /version (\S+)/.exec(r.stdout)?.[1] : undefined;
}

function findBinary(name, envVar) {
  const candidates = [process.env[envVar], onPath(name), path.join(TOOLS_BIN, name)].filter(Boolean);
  return candidates.find((file) => existsSync(file) && binaryVersion(file) === SERVER_VERSION);
}

function build(go, log) {
  mkdirSync(TOOLS_BIN, { recursive: true });
  // Into a scratch GOBIN, then renamed: `go install` names the binaries `server` and `sql`.
  const gobin = mkdtempSync(path.join(TOOLS_BIN, '.build-'));
  const pkgs = Object.values(SERVER_PACKAGES).map((p) => `${SERVER_MODULE}/${p}@v${SERVER_VERSION}`);
  log(
    `temporal-server ${SERVER_VERSION} not found; building ${pkgs.join(' ')} with go install (first time only, ~6 min)...`,
  );
  const started = Date.now();
  try {
    execFileSync(go, ['install', ...pkgs], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, GOBIN: gobin, GOFLAGS: '-mod=mod' },
    });
    for (const [name, pkg] of Object.entries(SERVER_PACKAGES))
      renameSync(path.join(gobin, path.basename(pkg)), path.join(TOOLS_BIN, name));
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
  log(
    `built temporal-server and temporal-sql-tool ${SERVER_VERSION} in ${Math.round((Date.now() - started) / 1000)} s`,
  );
}

/** The server module's source tree (schema/, common/config/): TEMPORAL_SERVER_SOURCE, else the Go module cache. */
export function resolveServerSource({ download = true } = {}) {
  const fromEnv = process.env.TEMPORAL_SERVER_SOURCE;
  if (fromEnv && existsSync(path.join(fromEnv, 'schema'))) return fromEnv;
  const go = goBinary();
  if (!go) return undefined;
  const modcache = execFileSync(go, ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  const dir = path.join(modcache, `${SERVER_MODULE}@v${SERVER_VERSION}`);
  if (existsSync(path.join(dir, 'schema'))) return dir;
  if (!download) return undefined;
  const out = execFileSync(go, ['mod', 'download', '-json', `${SERVER_MODULE}@v${SERVER_VERSION}`], {
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod' },
  });
  return JSON.parse(out).Dir;
}

/** { server, sqlTool, source, version }: builds what is missing unless install is false. */
export function resolveTemporalServer({ install = true, log = (m) => console.error(m) } = {}) {
  let server = findBinary('temporal-server', 'TEMPORAL_SERVER');
  let sqlTool = findBinary('temporal-sql-tool', 'TEMPORAL_SQL_TOOL');
  const go = goBinary();
  if ((!server || !sqlTool) && install && go) {
    build(go, log);
    server ??= path.join(TOOLS_BIN, 'temporal-server');
    sqlTool ??= path.join(TOOLS_BIN, 'temporal-sql-tool');
  }
  const source = resolveServerSource({ download: install });
  if (server && sqlTool && source) return { server, sqlTool, source, version: SERVER_VERSION };
  throw new Error(
    [
      `The Temporal server ${SERVER_VERSION} (temporal-server, temporal-sql-tool and the module source with the`,
      'schema files) is required and could not be found or built. With Go (1.26.8 or newer) installed:',
      `  GOBIN=<dir> go install ${Object.values(SERVER_PACKAGES)
        .map((p) => `${SERVER_MODULE}/${p}@v${SERVER_VERSION}`)
        .join(' ')}`,
      `  then rename <dir>/server → ${TOOLS_BIN}/temporal-server and <dir>/sql → ${TOOLS_BIN}/temporal-sql-tool,`,
      `  or point TEMPORAL_SERVER, TEMPORAL_SQL_TOOL and TEMPORAL_SERVER_SOURCE (a checkout of temporalio/temporal`,
      `  at v${SERVER_VERSION}) at existing ones.`,
    ].join('\n'),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--pinned')) {
    console.log(SERVER_VERSION);
  } else {
    try {
      console.log(JSON.stringify(resolveTemporalServer()));
    } catch (err) {
      console.error(err.message);
      process.exit(1);
    }
  }
}
