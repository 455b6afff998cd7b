// Each domain's workflow code bundles for the deterministic sandbox (webpack refuses Node
// built-ins there) and exports exactly its public workflow types, with no I/O library inside.
import { bundleWorkflowCode } from '@temporalio/worker';
import { workerSpecs } from '../../workers/specs';

const expected: Record<string, string[]> = {
  users: ['publishIntegrationEvent', 'registerUser'],
  notifications: ['deliverWebhook', 'sendEmail'],
  catalog: ['createProduct', 'deleteProduct', 'publishIntegrationEvent', 'purgeProductCache', 'updateProduct'],
  orders: ['cart', 'placeOrder', 'publishIntegrationEvent'],
};

describe.each(Object.values(workerSpecs).map((s) => [s!.domain, s!] as const))('%s workflows', (domain, spec) => {
  it('bundle for the sandbox without I/O libraries', async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: spec.workflowsPath,
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never,
    });
    expect(code.length).toBeGreaterThan(1000);
    for (const forbidden of ['typeorm', 'ioredis', 'mysql2', 'nodemailer', 'bcrypt', 'pino', 'koa'])
      expect(code).not.toContain(`node_modules/${forbidden}/`);
  }, 60_000);

  it('export exactly the public workflow types', () => {
    const mod = require(spec.workflowsPath) as Record<string, unknown>;
    expect(
      Object.keys(mod)
        .filter((k) => typeof mod[k] === 'function')
        .sort(),
    ).toEqual(expected[domain]);
  });
});
