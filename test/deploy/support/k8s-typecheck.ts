// Strict field check of rendered Kubernetes objects. The JSON schemas of kubernetes-models
// accept unknown fields (as the API server does unless asked for strict validation), so a
// typo such as `readinesProbe` or a field at the wrong level would pass silently and then be
// dropped by the cluster. Here each object becomes a TypeScript object literal typed with its
// model's interface: the compiler's excess-property check rejects every unknown field, at any
// depth, and type-checks the values as well.
import path from 'node:path';
import ts from 'typescript';
import { ROOT, type K8sObject } from './deploy-helpers';

const THIRD_PARTY: Record<string, string> = {
  'keda.sh': '@kubernetes-models/keda',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

export function modelModule(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (!group) return `kubernetes-models/${version}/${kind}`;
  return `${THIRD_PARTY[group] ?? 'kubernetes-models'}/${group}/${version}/${kind}`;
}

/** Problems found, as "Kind/name: message (at: offending line)"; empty when clean. */
export function typecheckObjects(objects: K8sObject[]): string[] {
  const fileName = path.join(ROOT, 'test', 'deploy', '__rendered_k8s_objects__.ts');
  const lines = objects.map(
    (o, i) => `import type { I${o.kind} as T${i} } from '${modelModule(o.apiVersion, o.kind)}';`,
  );
  const spans: { from: number; to: number; id: string }[] = [];
  objects.forEach((o, i) => {
    const literal = `export const o${i}: T${i} = ${JSON.stringify(o, null, 2)};`.split('\n');
    spans.push({ from: lines.length, to: lines.length + literal.length, id: `${o.kind}/${o.metadata?.name}` });
    lines.push(...literal);
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    types: [],
  };
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) =>
    path.resolve(name) === fileName
      ? ts.createSourceFile(name, source, languageVersion, true)
      : getSourceFile(name, languageVersion, onError, shouldCreate);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  const sf = program.getSourceFile(fileName)!;
  const diagnostics = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
  return diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (d.start === undefined) return message;
    const { line } = sf.getLineAndCharacterOfPosition(d.start);
    const owner = spans.find((s) => line >= s.from && line < s.to)?.id ?? '(imports)';
    return `${owner}: ${message} (at: ${lines[line]?.trim()})`;
  });
}
