// The container image: multi-stage, production dependencies only, prebuilt workflow bundles,
// non-root, an init as PID 1 so SIGTERM reaches node, a health check; and a .dockerignore
// that keeps local state out without hiding anything the build copies.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readRepoFile, repoPath } from './support/deploy-helpers';

interface Instruction {
  op: string;
  args: string;
  line: number;
}
interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Dockerfile → stages of instructions (comments dropped, `\` continuations joined). */
function parseDockerfile(text: string): { args: Instruction[]; stages: Stage[] } {
  const logical: Instruction[] = [];
  let buf = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!buf && (line === '' || line.startsWith('#'))) return;
    if (buf && line.startsWith('#')) return;
    if (!buf) start = i + 1;
    if (line.endsWith('\\')) {
      buf += line.slice(0, -1) + ' ';
      return;
    }
    buf += line;
    const m = /^(\w+)\s+([\s\S]*)$/.exec(buf);
    if (m) logical.push({ op: m[1].toUpperCase(), args: m[2].trim(), line: start });
    buf = '';
  });
  const args: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ins of logical) {
    if (ins.op === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`cannot parse FROM at line ${ins.line}: ${ins.args}`);
      stages.push({ from: m[1], name: m[2], instructions: [] });
    } else if (stages.length === 0) {
      args.push(ins);
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return { args, stages };
}

const execForm = (args: string): string[] => {
  const parsed = JSON.parse(args);
  if (!Array.isArray(parsed)) throw new Error(`not exec form: ${args}`);
  return parsed;
};

describe('Dockerfile', () => {
  const { args, stages } = parseDockerfile(readRepoFile('Dockerfile'));
  const final = stages[stages.length - 1];
  const ops = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op);
  const stageNamed = (name: string) => {
    const s = stages.find((st) => st.name === name);
    if (!s) throw new Error(`no stage ${name}`);
    return s;
  };
  /** The chain of FROM ... stages a stage builds on, itself first. */
  const lineage = (stage: Stage): Stage[] => {
    const parent = stages.find((s) => s.name && s.name === stage.from);
    return parent ? [stage, ...lineage(parent)] : [stage];
  };
  const runsIn = (stage: Stage) => lineage(stage).flatMap((s) => ops(s, 'RUN').map((r) => r.args));

  it('is multi-stage, and the runtime stage starts from a clean base image, not from a build stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    const names = stages.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(final.name).toBe('runtime');
    expect(stages.some((s) => s.name === final.from)).toBe(false);
    expect(final.from).toMatch(/^node:/);
  });

  it('pins base images (no :latest, no untagged image) and uses glibc Debian, not Alpine (Temporal core bridge)', () => {
    const defaults = Object.fromEntries(
      args
        .filter((a) => a.op === 'ARG')
        .map((a) => a.args.split('='))
        .filter((kv) => kv.length === 2),
    );
    for (const s of stages) {
      if (stages.some((o) => o.name === s.from)) continue;
      const image = s.from.replace(/\$\{(\w+)\}/g, (_, v) => defaults[v] ?? `<unset ${v}>`);
      expect(image).not.toContain('<unset');
      expect(image).toMatch(/^[\w./-]+:[\w.-]+$/);
      expect(image).not.toMatch(/:latest$/);
      expect(image).not.toMatch(/alpine/);
    }
  });

  it('installs production dependencies only for the final image (npm ci --omit=dev) and copies just those node_modules', () => {
    const copies = ops(final, 'COPY').map((c) => c.args);
    const nodeModules = copies.filter((c) => /\bnode_modules\b/.test(c));
    expect(nodeModules).toHaveLength(1);
    const from = /--from=(\S+)/.exec(nodeModules[0])?.[1];
    expect(from).toBeDefined();
    const depsStage = stageNamed(from!);
    expect(runsIn(depsStage).some((r) => /npm ci\b.*--omit=dev/.test(r))).toBe(true);
    // The final stage never installs packages with npm itself.
    expect(ops(final, 'RUN').some((r) => /\bnpm (ci|install|i)\b/.test(r.args))).toBe(false);
  });

  it('builds dist/ with the prebuilt workflow bundles (npm run build) and ships only dist, not sources', () => {
    const copies = ops(final, 'COPY').map((c) => c.args);
    const dist = copies.find((c) => /\s\.\/dist\/?$|\s\/app\/dist\/?$/.test(c) || /\/app\/dist\s/.test(c));
    expect(dist).toBeDefined();
    const buildStage = stageNamed(/--from=(\S+)/.exec(dist!)![1]);
    const buildRuns = runsIn(buildStage);
    expect(buildRuns.some((r) => /npm run build\b/.test(r))).toBe(true);
    expect(buildRuns.some((r) => /dist\/workflow-bundles/.test(r))).toBe(true);
    expect(copies.some((c) => /^(api|workflows|activities|workers|db|common|scripts)\b/.test(c))).toBe(false);
    expect(readRepoFile('package.json')).toMatch(/"build":\s*"[^"]*build-bundles/);
  });

  it('copies every input of tsconfig.build.json into the build stage', () => {
    const tsconfig = JSON.parse(readRepoFile('tsconfig.build.json')) as { include: string[] };
    const build = stages.find((s) => runsIn(s).some((r) => /npm run build\b/.test(r)))!;
    const copied = ops(build, 'COPY').flatMap((c) =>
      c.args
        .split(/\s+/)
        .filter((t) => !t.startsWith('--'))
        .slice(0, -1),
    );
    for (const inc of tsconfig.include) {
      const top = inc.split('/')[0];
      expect(copied.map((c) => c.replace(/^\.\//, '').replace(/\/$/, ''))).toContain(top);
    }
    expect(copied).toEqual(expect.arrayContaining(['tsconfig.json', 'tsconfig.build.json']));
  });

  it('runs as a numeric non-root user, so Kubernetes can verify runAsNonRoot', () => {
    const users = ops(final, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1].args;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
    // Nothing after USER switches back to root.
    const idx = final.instructions.indexOf(users[users.length - 1]);
    expect(final.instructions.slice(idx + 1).some((i) => i.op === 'RUN')).toBe(false);
  });

  it('has an init as PID 1 (tini, installed in the runtime stage) in exec form, so SIGTERM reaches node', () => {
    const entrypoint = ops(final, 'ENTRYPOINT');
    expect(entrypoint).toHaveLength(1);
    const argv = execForm(entrypoint[0].args);
    expect(argv[0]).toMatch(/(^|\/)tini$/);
    expect(argv).toContain('--');
    expect(ops(final, 'RUN').some((r) => /apt-get install\b.*\btini\b/.test(r.args))).toBe(true);
    // CMD in exec form (a shell would swallow SIGTERM) and node directly (not npm).
    const cmd = execForm(ops(final, 'CMD')[0].args);
    expect(cmd).toEqual(['node', 'dist/api/main.js']);
    const stopSignal = ops(final, 'STOPSIGNAL');
    if (stopSignal.length) expect(stopSignal[0].args).toBe('SIGTERM');
  });

  it('declares a HEALTHCHECK that works for every role, with the script it runs shipped in the image', () => {
    const hc = ops(final, 'HEALTHCHECK');
    expect(hc).toHaveLength(1);
    expect(hc[0].args).toMatch(/--interval=\d+s/);
    expect(hc[0].args).toMatch(/--timeout=\d+s/);
    const cmd = /CMD\s+(\[.*\])$/.exec(hc[0].args);
    expect(cmd).not.toBeNull();
    const argv = execForm(cmd![1]);
    expect(argv[0]).toBe('node');
    const script = argv[1];
    const copy = ops(final, 'COPY').find((c) => c.args.split(/\s+/).pop() === script.replace(/^\/app\//, './'));
    expect(copy).toBeDefined();
    const src = copy!.args.split(/\s+/)[0];
    expect(existsSync(repoPath(src))).toBe(true);
    const text = readRepoFile(src);
    expect(text).toContain('WORKER_HTTP_PORT');
    expect(text).toContain('PORT');
    expect(text).toContain('/healthz');
  });

  it('sets NODE_ENV=production and exposes the gateway, worker health and SDK metrics ports', () => {
    const env = ops(final, 'ENV')
      .map((e) => e.args)
      .join(' ');
    expect(env).toMatch(/NODE_ENV=production/);
    const exposed = ops(final, 'EXPOSE').flatMap((e) => e.args.split(/\s+/));
    expect(exposed).toEqual(expect.arrayContaining(['3000', '9464', '9465']));
  });

  it('leaves no compiler toolchain in the runtime stage', () => {
    for (const run of ops(final, 'RUN')) expect(run.args).not.toMatch(/\b(g\+\+|gcc|make|python3|build-essential)\b/);
  });
});

describe('the build stage, run on exactly what it copies', () => {
  const { stages } = parseDockerfile(readRepoFile('Dockerfile'));
  const build = stages.find((s) => s.name === 'build')!;
  const lineage = (stage: Stage): Stage[] => {
    const parent = stages.find((s) => s.name && s.name === stage.from);
    return parent ? [...lineage(parent), stage] : [stage];
  };
  const steps = lineage(build).flatMap((s) => s.instructions);
  const buildRuns = steps.filter((i) => i.op === 'RUN' && /npm run build\b/.test(i.args)).map((i) => i.args);
  /** [source, destination] of every COPY from the context into the build stage, in order. */
  const copies = steps
    .filter((i) => i.op === 'COPY' && !/--from=/.test(i.args))
    .map((i) => i.args.split(/\s+/).filter((t) => !t.startsWith('--')))
    .flatMap((t) => t.slice(0, -1).map((src) => [src, t[t.length - 1]] as const));
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /** The build context as the build stage sees it (node_modules from this checkout, as `npm ci` would). */
  function stageCopy(): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shop-build-'));
    dirs.push(dir);
    for (const [src, dest] of copies) {
      const target = dest.endsWith('/') ? path.join(dir, dest, path.basename(src)) : path.join(dir, dest);
      cpSync(repoPath(src), target, { recursive: true });
    }
    symlinkSync(repoPath('node_modules'), path.join(dir, 'node_modules'), 'dir');
    return dir;
  }
  const runBuild = (dir: string) => {
    const r = spawnSync('sh', ['-c', buildRuns.join(' && ')], { cwd: dir, encoding: 'utf8', timeout: 280_000 });
    return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
  };

  it('compiles and bundles without the test harness or the bench (neither is copied)', () => {
    expect(buildRuns.length).toBeGreaterThan(0);
    const dir = stageCopy();
    expect(existsSync(path.join(dir, 'test'))).toBe(false);
    expect(existsSync(path.join(dir, 'bench'))).toBe(false);
    const { status, output } = runBuild(dir);
    expect([status, output]).toEqual([0, expect.anything()]);
    expect(readdirSync(path.join(dir, 'dist', 'workflow-bundles')).some((f) => f.endsWith('.js'))).toBe(true);
    expect(existsSync(path.join(dir, 'dist', 'api', 'main.js'))).toBe(true);
    expect(existsSync(path.join(dir, 'dist', 'test'))).toBe(false);
    expect(existsSync(path.join(dir, 'dist', 'bench'))).toBe(false);
  }, 300_000);

  it('fails when a product file imports from test/ (negative control)', () => {
    const dir = stageCopy();
    appendFileSync(
      path.join(dir, 'common', 'config.ts'),
      "\nexport { eventually } from '../test/support/eventually';\n",
    );
    const { status, output } = runBuild(dir);
    expect(status).not.toBe(0);
    expect(output).toMatch(/test\/support\/eventually/);
  }, 300_000);
});

describe('deploy/docker/healthcheck.mjs (the image HEALTHCHECK)', () => {
  const script = repoPath('deploy', 'docker', 'healthcheck.mjs');
  let server: http.Server;
  let port: number;
  let status = 200;
  const seen: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      res.statusCode = req.url === '/healthz' || req.url === '/readyz' ? status : 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const run = (env: Record<string, string>, args: string[] = []) =>
    new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [script, ...args], {
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: 'ignore',
      });
      child.on('exit', (code) => resolve(code ?? -1));
    });

  it('passes when the gateway port answers 200 (nothing on the worker port)', async () => {
    status = 200;
    expect(await run({ PORT: String(port), WORKER_HTTP_PORT: '1' })).toBe(0);
  });

  it('passes when the worker port answers 200 (nothing on the gateway port)', async () => {
    status = 200;
    expect(await run({ PORT: '1', WORKER_HTTP_PORT: String(port) })).toBe(0);
  });

  it('fails on 503 and when nothing listens', async () => {
    status = 503;
    expect(await run({ PORT: String(port), WORKER_HTTP_PORT: '1' })).toBe(1);
    expect(await run({ PORT: '1', WORKER_HTTP_PORT: '2' })).toBe(1);
  });

  it('probes the URLs it is given instead (readiness in docker-compose.yml)', async () => {
    status = 200;
    seen.length = 0;
    expect(await run({ PORT: '1', WORKER_HTTP_PORT: '2' }, [`http://127.0.0.1:${port}/readyz`])).toBe(0);
    expect(seen).toEqual(['/readyz']);
  });
});

describe('.dockerignore', () => {
  const patterns = readRepoFile('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  /** Docker's matching, enough for these patterns: last match wins, `!` re-includes, `**`. */
  const toRegExp = (glob: string) =>
    new RegExp(
      '^' +
        glob
          .replace(/\/$/, '')
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*\*\//g, '__ANY_DIRS__')
          .replace(/\*\*/g, '__ANY__')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]')
          .replace(/__ANY_DIRS__/g, '(?:.*/)?')
          .replace(/__ANY__/g, '.*') +
        '(?:/.*)?$',
    );
  const ignored = (file: string) => {
    let result = false;
    for (const p of patterns) {
      const negate = p.startsWith('!');
      if (toRegExp(negate ? p.slice(1) : p).test(file)) result = !negate;
    }
    return result;
  };

  it('keeps local state, dependencies, build output and secrets out of the build context', () => {
    for (const f of [
      'node_modules',
      'node_modules/x/index.js',
      'dist/api/main.js',
      '.data/shop.sqlite',
      '.tools/temporal',
      '.git/HEAD',
      '.env',
      '.env.local',
      'coverage/lcov.info',
      'npm-debug.log',
      'k8s/base/kustomization.yaml',
      'test/unit/a.test.ts',
    ]) {
      expect([f, ignored(f)]).toEqual([f, true]);
    }
  });

  it('does not exclude anything the Dockerfile copies from the context', () => {
    const { stages } = parseDockerfile(readRepoFile('Dockerfile'));
    const sources = stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.op === 'COPY' && !/--from=/.test(i.args))
      .flatMap((i) =>
        i.args
          .split(/\s+/)
          .filter((t) => !t.startsWith('--'))
          .slice(0, -1),
      );
    expect(sources.length).toBeGreaterThan(5);
    for (const src of sources) {
      expect(existsSync(repoPath(src))).toBe(true);
      expect([src, ignored(src.replace(/^\.\//, ''))]).toEqual([src, false]);
      if (!src.includes('.')) {
        // A folder: none of its files may be excluded either (e.g. by a `*.md`-style rule).
        for (const f of readdirSync(repoPath(src), { recursive: true }) as string[]) {
          if (/\.(ts|js|mjs|json)$/.test(f) && !/\.test\.ts$/.test(f))
            expect([`${src}/${f}`, ignored(`${src}/${f}`)]).toEqual([`${src}/${f}`, false]);
        }
      }
    }
  });
});
