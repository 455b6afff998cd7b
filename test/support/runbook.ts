// The operator runbook (docs/operations.md) as the runbook tests run it: every block fenced as
// ```sh runbook=<name>``` (or ```sh runbook=<name> cluster``` when it needs the production server)
// is extracted from the markdown and run as an operator would, with bash and the project's
// `temporal` CLI on PATH, in a throwaway working directory.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RUNBOOK_FILE } from './obs-ops';

export const runbookMarkdown = readFileSync(RUNBOOK_FILE, 'utf8');

/** Every fenced block of the runbook, with its info string. */
export const fencedBlocks = [...runbookMarkdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```[ \t]*$/gm)].map((m) => ({
  info: m[1].trim(),
  code: m[2],
}));

const RUNNABLE = /^sh runbook=([a-z0-9-]+)( cluster)?$/;

export interface RunbookBlock {
  id: string;
  code: string;
  /** Needs the production server (test/cluster/runbook.test.ts runs it). */
  clusterOnly: boolean;
}

export const isRunnable = (info: string): boolean => RUNNABLE.test(info);

export const runbookBlocks: RunbookBlock[] = fencedBlocks.flatMap((b) => {
  const m = RUNNABLE.exec(b.info);
  return m ? [{ id: m[1], code: b.code, clusterOnly: m[2] !== undefined }] : [];
});

export interface RunbookRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunbookRunner {
  /** The operator's working directory (HOME and cwd of every block). */
  workdir: string;
  /** The IDs of the blocks run so far. */
  executed: Set<string>;
  /** One block as an operator runs it. */
  run(id: string, vars?: Record<string, string>): Promise<RunbookRun>;
  /** As run(), and it must succeed: its stdout. */
  ok(id: string, vars?: Record<string, string>): Promise<string>;
}

export function runbookRunner(options: {
  blocks: RunbookBlock[];
  cli: string;
  address: string;
  namespace: string;
  workdirPrefix: string;
}): RunbookRunner {
  const workdir = mkdtempSync(path.join(os.tmpdir(), options.workdirPrefix));
  const binDir = path.join(workdir, 'bin');
  mkdirSync(binDir);
  symlinkSync(options.cli, path.join(binDir, 'temporal'));
  const blocks = new Map(options.blocks.map((b) => [b.id, b.code] as const));
  const executed = new Set<string>();

  // Asynchronously (never spawnSync): the workers that answer the CLI's updates and queries, and
  // any in-process proxy, run in the test's own process.
  const run = (id: string, vars: Record<string, string> = {}): Promise<RunbookRun> => {
    const code = blocks.get(id);
    if (!code) throw new Error(`docs/operations.md has no block \`sh runbook=${id}\``);
    executed.add(id);
    return new Promise((resolve, reject) => {
      const child = spawn('bash', ['--norc', '--noprofile', '-euo', 'pipefail', '-c', code], {
        cwd: workdir,
        env: {
          PATH: `${binDir}${path.delimiter}${process.env.PATH}`,
          HOME: workdir,
          TEMPORAL_ADDRESS: options.address,
          TEMPORAL_NAMESPACE: options.namespace,
          ...vars,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('error', reject);
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr });
      });
    });
  };

  const ok = async (id: string, vars: Record<string, string> = {}): Promise<string> => {
    const r = await run(id, vars);
    if (r.status !== 0)
      throw new Error(`runbook block ${id} exited ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
    return r.stdout;
  };

  return { workdir, executed, run, ok };
}
