// Captures replay histories for the users, notifications and catalog workflow types
// (test/replay/histories/<domain>/*.json); placeOrder has its own scenarios
// (test/replay/capture-order-histories.ts). Same rule: run it for new code paths, never to make a failing
// replay test pass; an existing file is never overwritten (it records how runs begun under older
// code behave): a path the new code takes differently gets a new name (e.g. `-events`, the runs
// with 'integration-events'). Usage: npx tsx test/replay/capture-domain-histories.ts
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { productWriteIdFor } from '../../api/catalog/catalog.commands';
import { productCachePurgeWorkflowId, productWorkflowId } from '../../workflows/catalog/contract';
import { integrationEventWorkflowId } from '../../workflows/shared/events';
import { registerUserWorkflowId } from '../../workflows/users/contract';
import { welcomeEmailWorkflowId } from '../../workflows/notifications/contract';
import globalSetup from '../support/global-setup';
import globalTeardown from '../support/global-teardown';
import { historyToJson } from './history-json';
import { startStack, type Stack } from '../support/stack';
import { TcpProxy } from '../support/tcp-proxy';

const DIR = path.resolve(__dirname, 'histories');

async function save(stack: Stack, domain: string, name: string, workflowId: string): Promise<void> {
  if (existsSync(path.join(DIR, domain, `${name}.json`))) {
    console.log(`${domain}/${name}: kept (already captured)`);
    return;
  }
  const handle = stack.api.temporal.workflow.getHandle(workflowId);
  await handle.result().catch(() => undefined);
  const history = await handle.fetchHistory();
  mkdirSync(path.join(DIR, domain), { recursive: true });
  const file = path.join(DIR, domain, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(historyToJson(history), null, 2)}\n`);
  console.log(`${domain}/${name}: ${history.events?.length} events`);
}

async function main(): Promise<void> {
  await globalSetup();
  const proxy = await TcpProxy.start({ targetPort: 6379 });
  const stack = await startStack({ env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}/0` } });
  try {
    const email = `replay-${randomUUID()}@example.test`;
    const reg = await stack.request('POST', '/api/users/register', {
      body: { email, password: 'password123', name: 'Replay' },
    });
    await save(stack, 'users', 'register-user', registerUserWorkflowId(reg.body.id));
    await save(stack, 'users', 'register-user-events', registerUserWorkflowId(reg.body.id));
    await save(
      stack,
      'users',
      'publish-integration-event',
      integrationEventWorkflowId({ name: 'user.registered', subject: reg.body.id, sequence: 1 }),
    );
    await save(stack, 'notifications', 'welcome-email', welcomeEmailWorkflowId(reg.body.id));
    const dup = await stack.request('POST', '/api/users/register', {
      body: { email, password: 'password123', name: 'Again' },
    });
    if (dup.status !== 409) throw new Error(`expected 409, got ${dup.status}`);
    // The failed run of the duplicate: its ID is not returned, so find it through visibility.
    for await (const wf of stack.api.temporal.workflow.list({
      query: `WorkflowType = 'registerUser' AND ExecutionStatus = 'Failed'`,
    })) {
      await save(stack, 'users', 'register-user-email-taken', wf.workflowId);
      break;
    }

    const admin = await stack.adminToken();
    // Each write under an Idempotency-Key, so its workflow ID (from the admin and the key) is known.
    const adminId = stack.api.tokens.verify(admin)!.sub;
    const key = (op: string) => `replay-${op}-${randomUUID()}`;
    const writeId = (k: string) => productWriteIdFor(adminId, k);
    const keyed = (k: string) => ({ 'Idempotency-Key': k });
    const create = key('create');
    const p = await stack.request('POST', '/api/products', {
      token: admin,
      headers: keyed(create),
      body: { name: 'Replay', description: 'x', priceCents: 100, stock: 5 },
    });
    await save(stack, 'catalog', 'create-product', productWorkflowId(p.body.id, 'create', writeId(create)));
    await save(stack, 'catalog', 'create-product-events', productWorkflowId(p.body.id, 'create', writeId(create)));
    const update = key('update');
    await stack.request('PUT', `/api/products/${p.body.id}`, {
      token: admin,
      headers: keyed(update),
      body: { priceCents: 200 },
    });
    await save(stack, 'catalog', 'update-product', productWorkflowId(p.body.id, 'update', writeId(update)));
    await save(stack, 'catalog', 'update-product-events', productWorkflowId(p.body.id, 'update', writeId(update)));
    await save(
      stack,
      'catalog',
      'publish-integration-event',
      integrationEventWorkflowId({ name: 'product.updated', subject: p.body.id, sequence: 2 }),
    );
    // Redis cut during a write: the write answers, a purge workflow finishes the invalidation later.
    proxy.cut('reset');
    const purge = key('update');
    await stack.request('PUT', `/api/products/${p.body.id}`, {
      token: admin,
      headers: keyed(purge),
      body: { stock: 7 },
    });
    proxy.restore();
    await save(
      stack,
      'catalog',
      'update-product-cache-unreachable',
      productWorkflowId(p.body.id, 'update', writeId(purge)),
    );
    await save(
      stack,
      'catalog',
      'update-product-cache-unreachable-events',
      productWorkflowId(p.body.id, 'update', writeId(purge)),
    );
    await save(stack, 'catalog', 'purge-product-cache', productCachePurgeWorkflowId(p.body.id, writeId(purge)));
    const del = key('delete');
    await stack.request('DELETE', `/api/products/${p.body.id}`, { token: admin, headers: keyed(del) });
    await save(stack, 'catalog', 'delete-product', productWorkflowId(p.body.id, 'delete', writeId(del)));
    await save(stack, 'catalog', 'delete-product-events', productWorkflowId(p.body.id, 'delete', writeId(del)));
  } finally {
    await stack.stop();
    await proxy.close();
    await globalTeardown();
  }
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
