// Validates Kubernetes objects against their schemas with the kubernetes-models packages
// (core API, KEDA, Prometheus operator). Those packages are ES modules (kubernetes-models 5
// is ESM-only), which Jest's CommonJS runtime cannot load, so the deploy tests run this file
// with plain node: a JSON array of objects on stdin, a JSON array of results on stdout.
// An object whose apiVersion/kind has no model is reported as an error, never skipped.
const THIRD_PARTY = {
  'keda.sh': '@kubernetes-models/keda',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

function modulePath(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (!group) return `kubernetes-models/${version}/${kind}`;
  return `${THIRD_PARTY[group] ?? 'kubernetes-models'}/${group}/${version}/${kind}`;
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const objects = JSON.parse(await readStdin());
const results = [];
for (const obj of objects) {
  const id = `${obj.apiVersion}/${obj.kind} ${obj.metadata?.name ?? '(no name)'}`;
  const spec = modulePath(String(obj.apiVersion), String(obj.kind));
  let Model;
  try {
    Model = (await import(spec))[obj.kind];
  } catch (err) {
    results.push({
      id,
      ok: false,
      error: `no schema model for ${obj.apiVersion} ${obj.kind} (${spec}): ${err.message}`,
    });
    continue;
  }
  if (typeof Model !== 'function') {
    results.push({ id, ok: false, error: `module ${spec} exports no ${obj.kind}` });
    continue;
  }
  try {
    const model = new Model(obj);
    if (model.apiVersion !== obj.apiVersion || model.kind !== obj.kind)
      throw new Error(`model is ${model.apiVersion} ${model.kind}`);
    model.validate();
    results.push({ id, ok: true, model: spec });
  } catch (err) {
    results.push({ id, ok: false, error: err.message });
  }
}
process.stdout.write(JSON.stringify(results));
