// `npm run build` step 2: prebuilds each domain's workflow bundle into dist/workflow-bundles,
// so production workers start in milliseconds instead of running webpack at boot.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../workers/run-worker';
import { workerSpecs } from '../workers/specs';

export async function buildBundles(outDir: string, log: (m: string) => void = console.log): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  for (const spec of Object.values(workerSpecs)) {
    if (!spec) continue;
    const { code } = await bundleWorkflowCode({
      workflowsPath: spec.workflowsPath,
      workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES],
      logger: {
        trace() {},
        debug() {},
        info() {},
        warn: (m: string) => log(m),
        error: (m: string) => log(m),
        log() {},
      } as never,
    });
    const file = path.join(outDir, `${spec.domain}.js`);
    writeFileSync(file, code);
    log(`bundle ${spec.domain}: ${file} (${Math.round(code.length / 1024)} KiB)`);
  }
}

if (require.main === module) {
  buildBundles(path.resolve(__dirname, '..', 'dist', 'workflow-bundles')).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
