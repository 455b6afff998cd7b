#!/usr/bin/env node
// Obtains the `temporal` CLI: from PATH, else the project-local .tools/bin, else built with
// `go install` into .tools/bin, else a clear message on how to install it. Plain Node (no
// dependencies) so it runs before `npm ci`. `node scripts/temporal-cli.mjs` prints the path.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TOOLS_BIN = path.join(root, '.tools', 'bin');

function onPath(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export function resolveTemporalCli({ install = true, log = (m) => console.error(m) } = {}) {
  if (process.env.TEMPORAL_CLI && existsSync(process.env.TEMPORAL_CLI)) return process.env.TEMPORAL_CLI;
  const fromPath = onPath('temporal');
  if (fromPath) return fromPath;
  const local = path.join(TOOLS_BIN, 'temporal');
  if (existsSync(local)) return local;
  const go = onPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (install && go) {
    mkdirSync(TOOLS_BIN, { recursive: true });
    log(`temporal CLI not found; building ${CLI_MODULE} with go install (first time only, a few minutes)...`);
    execFileSync(go, ['install', CLI_MODULE], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, GOBIN: TOOLS_BIN, GOFLAGS: '-mod=mod' },
    });
    if (existsSync(local)) return local;
  }
  throw new Error(
    [
      'The temporal CLI is required (it runs the local Temporal dev server) and could not be found or built.',
      'Install it one of these ways, then run the command again:',
      `  - with Go: GOBIN=${TOOLS_BIN} go install ${CLI_MODULE}`,
      '  - a release binary from https://github.com/temporalio/cli/releases on your PATH',
      '  - or point TEMPORAL_CLI at an existing binary, or set TEMPORAL_ADDRESS to use a running server.',
    ].join('\n'),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    console.log(resolveTemporalCli());
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
