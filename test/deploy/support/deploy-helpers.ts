// Shared helpers of the deploy tests: repository paths, YAML loading, `kubectl kustomize`
// rendering, compose interpolation, and the environment a container ends up with.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { configSchema } from '../../../common/config';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const repoPath = (...parts: string[]) => path.join(ROOT, ...parts);
export const readRepoFile = (...parts: string[]) => readFileSync(repoPath(...parts), 'utf8');

/** One YAML document; merge keys (`<<: *anchor`) resolved as Docker Compose does. */
export function loadYaml<T = any>(...parts: string[]): T {
  return parse(readRepoFile(...parts), { merge: true }) as T;
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  [key: string]: any;
};

let kubectlChecked = false;

/** Fails with instructions when kubectl is missing (CI installs it): never a silent skip. */
export function requireKubectl(): void {
  if (kubectlChecked) return;
  const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'kubectl is required to render the kustomize overlays (`kubectl kustomize`, offline). Install it, e.g. ' +
        '`apt-get install kubernetes-client` (Debian) or https://kubernetes.io/docs/tasks/tools/. ' +
        `Probe: ${probe.error?.message ?? probe.stderr}`,
    );
  }
  kubectlChecked = true;
}

const renderCache = new Map<string, K8sObject[]>();

/** `kubectl kustomize <dir>` parsed into objects (cached per directory). */
export function kustomize(dir: string): K8sObject[] {
  const cached = renderCache.get(dir);
  if (cached) return cached;
  requireKubectl();
  const out = execFileSync('kubectl', ['kustomize', repoPath(dir)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const docs = parseAllDocuments(out);
  const objects = (Array.isArray(docs) ? docs : [docs]).map((d) => {
    if (d.errors.length) throw new Error(`${dir}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as K8sObject;
  });
  const rendered = objects.filter((o) => o && o.kind);
  renderCache.set(dir, rendered);
  return rendered;
}

export const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);

export function named(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found)
    throw new Error(
      `no ${kind} named ${name}; have: ${ofKind(objects, kind)
        .map((o) => o.metadata.name)
        .join(', ')}`,
    );
  return found;
}

/** The object a (possibly hash-suffixed) generated ConfigMap/Secret name refers to. */
export function generated(objects: K8sObject[], kind: 'ConfigMap' | 'Secret', name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

export const POD_TEMPLATE_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'];

export function podSpecOf(o: K8sObject): any {
  return o.spec?.template?.spec;
}

export function matchesSelector(selector: Record<string, string>, labels: Record<string, string> = {}): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

// --- configuration -----------------------------------------------------------------------

function unwrapObjectShape(schema: any): Record<string, unknown> {
  let s = schema;
  for (let i = 0; i < 5 && s && !s.shape; i++) s = s._def?.schema ?? s._def?.innerType;
  if (!s?.shape) throw new Error('cannot read the keys of common/config.ts configSchema');
  return s.shape;
}

/** Every variable common/config.ts knows, plus the standard ones read elsewhere. */
export const CONFIG_KEYS = new Set([
  ...Object.keys(unwrapObjectShape(configSchema)),
  'NODE_OPTIONS',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_CONFIG_FILE',
]);

/**
 * The environment a container sees: env (literal values and configMap/secret key refs) plus
 * envFrom ConfigMaps/Secrets found in the rendered objects. Secrets that are not rendered
 * (created outside git) are filled in from `external` (their documented keys).
 */
export function containerEnv(
  objects: K8sObject[],
  container: any,
  external: Record<string, Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  const source = (kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> => {
    const obj = generated(objects, kind, name);
    if (obj) {
      if (kind === 'Secret') {
        const decoded: Record<string, string> = {};
        for (const [k, v] of Object.entries(obj.data ?? {}))
          decoded[k] = Buffer.from(String(v), 'base64').toString('utf8');
        return { ...decoded, ...(obj.stringData ?? {}) };
      }
      return obj.data ?? {};
    }
    if (kind === 'Secret' && external[name]) return external[name];
    throw new Error(`${kind} ${name} is referenced but neither rendered nor a documented external secret`);
  };
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, source('ConfigMap', from.configMapRef.name));
    if (from.secretRef) Object.assign(env, source('Secret', from.secretRef.name));
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.configMapKeyRef)
      env[e.name] = source('ConfigMap', e.valueFrom.configMapKeyRef.name)[e.valueFrom.configMapKeyRef.key];
    else if (e.valueFrom?.secretKeyRef)
      env[e.name] = source('Secret', e.valueFrom.secretKeyRef.name)[e.valueFrom.secretKeyRef.key];
  }
  return env;
}

// --- docker compose ------------------------------------------------------------------------

/**
 * Compose variable interpolation (${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err},
 * ${VAR?err}, $$ escape) applied to every string, with `env` as the shell environment.
 */
export function interpolate<T>(value: T, env: Record<string, string | undefined> = {}): T {
  if (typeof value === 'string') {
    return value.replace(
      /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
      (m, name, op, arg, bare) => {
        if (m === '$$') return '$';
        if (bare) return env[bare] ?? '';
        const v = env[name];
        const unsetOrEmpty = v === undefined || (op?.startsWith(':') && v === '');
        if (op === ':-' || op === '-') return unsetOrEmpty ? arg : (v as string);
        if (op === ':?' || op === '?') {
          if (unsetOrEmpty) throw new Error(`compose variable ${name} is required: ${arg}`);
          return v as string;
        }
        return v ?? '';
      },
    ) as T;
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)])) as T;
  return value;
}

/** Compose `environment` in either form (map or KEY=VALUE list) as a map. */
export function composeEnv(environment: unknown): Record<string, string> {
  if (!environment) return {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((kv: string) => {
        const i = kv.indexOf('=');
        return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(environment as Record<string, unknown>).map(([k, v]) => [k, v === null ? '' : String(v)]),
  );
}

/** Compose durations ("1m30s", "40s", "500ms") in milliseconds. */
export function durationMs(d: string | number): number {
  if (typeof d === 'number') return d / 1e6; // compose treats bare numbers as nanoseconds
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, ns: 1e-6 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|ns)/g;
  let consumed = '';
  for (let m = re.exec(d); m; m = re.exec(d)) {
    total += Number(m[1]) * units[m[2]];
    consumed += m[0];
  }
  if (consumed !== d) throw new Error(`not a compose duration: ${d}`);
  return total;
}
