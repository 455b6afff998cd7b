#!/usr/bin/env node
// `npm start` bootstrap, dependency-free: installs node_modules when missing, then hands over
// to scripts/start-shop.ts (the whole shop in one process tree). Signals are forwarded so
// Ctrl-C / SIGTERM stop every child cleanly.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
  console.error('[start] installing dependencies (npm ci)...');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const child = spawn(
  process.execPath,
  ['--import', 'tsx', path.join('scripts', 'start-shop.ts'), ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
