// k8s/base/temporal/setup-namespace.sh (compose's temporal-setup service and the k8s Job
// shop-temporal-setup) against a real Temporal server: the dev server of the test run's
// global setup, with the real `temporal` CLI. A fresh namespace each run, so the script
// creates it, waits until it accepts search attributes, registers them, and is idempotent.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ORDER_SEARCH_ATTRIBUTES } from '../../workflows/orders/contract';
import { testEnv } from '../support/test-env';
import { repoPath } from './support/deploy-helpers';

const TYPES: Record<string, string> = { Keyword: 'INDEXED_VALUE_TYPE_KEYWORD', Int: 'INDEXED_VALUE_TYPE_INT' };

describe('k8s/base/temporal/setup-namespace.sh on a Temporal server', () => {
  const env = testEnv();
  const namespace = `deploy-setup-${process.pid}-${Date.now()}`;
  const home = mkdtempSync(path.join(os.tmpdir(), 'temporal-setup-'));
  const run = () =>
    spawnSync('sh', [repoPath('k8s', 'base', 'temporal', 'setup-namespace.sh')], {
      env: {
        PATH: `${path.dirname(env.cli)}:${process.env.PATH}`,
        HOME: home,
        TEMPORAL_ADDRESS: env.temporalAddress,
        TEMPORAL_NAMESPACE: namespace,
        TEMPORAL_RETENTION: '24h',
      },
      encoding: 'utf8',
      timeout: 110_000,
    });
  const customAttributes = () => {
    const out = spawnSync(
      env.cli,
      ['operator', 'search-attribute', 'list', '-n', namespace, '--address', env.temporalAddress, '-o', 'json'],
      { encoding: 'utf8' },
    );
    expect(out.status).toBe(0);
    return (JSON.parse(out.stdout) as { customAttributes: Record<string, string> }).customAttributes;
  };

  it('creates the namespace and registers every order search attribute with its type', () => {
    const first = run();
    expect(first.stdout + first.stderr).toContain(`creating namespace ${namespace}`);
    expect(first.status).toBe(0);
    const attrs = customAttributes();
    for (const [name, type] of Object.entries(ORDER_SEARCH_ATTRIBUTES))
      expect([name, attrs[name]]).toEqual([name, TYPES[type]]);
  }, 120_000);

  it('is idempotent: a second run changes nothing and succeeds', () => {
    const before = customAttributes();
    const again = run();
    expect(again.stdout).toContain(`namespace ${namespace} exists`);
    expect(again.stdout).not.toContain('Search attributes have been added');
    expect(again.status).toBe(0);
    expect(customAttributes()).toEqual(before);
  }, 120_000);
});
