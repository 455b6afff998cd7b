// The product write workflows against the real Temporal dev server and MariaDB, with faults
// injected around the real activities on a private task queue: a worker that crashes after its
// attempt committed (the retry must not write twice or report a false 404), a cache that stays
// down (the write answers and a purge workflow takes over), and which failures invalidate.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { type NativeConnection, Worker } from '@temporalio/worker';
import { createProductActivities, type ProductActivities } from '../../activities/catalog/product.activities';
import { connectWorkerConnection } from '../../common/temporal';
import { ProductEntity } from '../../db/entities';
import {
  CATALOG_TASK_QUEUE,
  productCacheKey,
  productCachePurgeWorkflowId,
  productWorkflowId,
  productWrittenKey,
} from '../../workflows/catalog/contract';
import type { createProduct } from '../../workflows/catalog/create-product.workflow';
import type { deleteProduct } from '../../workflows/catalog/delete-product.workflow';
import type { updateProduct } from '../../workflows/catalog/update-product.workflow';
import { startWorkers } from '../../workers/run-worker';
import { specsFor } from '../../workers/specs';
import { type HttpResponse, type Stack, startStack } from '../support/stack';
import { testEnv } from '../support/test-env';

let stack: Stack;
let connection: NativeConnection;
let namespace: string;
/** The gateway's wait for a write (ROUTE_DEADLINE_MS), short here: no catalog worker runs by default. */
const ROUTE_DEADLINE_MS = 2000;

beforeAll(async () => {
  stack = await startStack({ domains: [], env: { ROUTE_DEADLINE_MS: String(ROUTE_DEADLINE_MS) } });
  ({ connection, namespace } = await connectWorkerConnection(stack.config));
});
afterAll(async () => {
  await connection?.close();
  await stack?.stop();
});

interface Faults {
  crashAfterCommit: Set<string>;
  cacheDown: boolean;
  failPatchWith?: ApplicationFailure;
}

/** The real activities, with faults around them, and a log of the invalidations that ran. */
function faultyActivities(faults: Faults) {
  const real = createProductActivities({
    dataSource: stack.workerDeps.dataSource,
    cache: stack.workerDeps.cache,
    config: stack.config,
  });
  const invalidated: string[] = [];
  const crashFirstAttempt =
    <A, R>(name: string, fn: (a: A) => Promise<R>) =>
    async (a: A): Promise<R> => {
      const result = await fn(a);
      if (faults.crashAfterCommit.has(name) && Context.current().info.attempt === 1)
        throw new Error(`${name}: worker lost after the commit`);
      return result;
    };
  const activities: ProductActivities = {
    insertProduct: crashFirstAttempt('insertProduct', real.insertProduct),
    markProductDeleted: crashFirstAttempt('markProductDeleted', real.markProductDeleted),
    patchProduct: crashFirstAttempt('patchProduct', async (input) => {
      if (faults.failPatchWith) throw faults.failPatchWith;
      return real.patchProduct(input);
    }),
    async invalidateProductCache(input) {
      if (faults.cacheDown) throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
      invalidated.push(input.productId);
      return real.invalidateProductCache(input);
    },
  };
  return { activities, invalidated };
}

async function withWorker<T>(
  faults: Faults,
  work: (taskQueue: string, invalidated: string[]) => Promise<T>,
  taskQueue = `catalog-faults-${randomUUID()}`,
): Promise<T> {
  const { activities, invalidated } = faultyActivities(faults);
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowBundle: { codePath: path.join(testEnv().bundleDir, 'catalog.js') },
    activities,
  });
  return worker.runUntil(work(taskQueue, invalidated));
}

const fields = () => ({ name: `Wf ${randomUUID().slice(0, 8)}`, description: '', priceCents: 10, stock: 2 });
const rows = () => stack.workerDeps.dataSource.getRepository(ProductEntity);

it('a write whose worker dies after the commit is retried without writing twice, and delete does not turn into a false 404', async () => {
  await withWorker(
    { crashAfterCommit: new Set(['insertProduct', 'patchProduct', 'markProductDeleted']), cacheDown: false },
    async (taskQueue, invalidated) => {
      const productId = randomUUID();
      const requestId = randomUUID();
      const client = stack.api.temporal.workflow;
      const created = await client.execute<typeof createProduct>('createProduct', {
        taskQueue,
        workflowId: productWorkflowId(productId, 'create', requestId),
        args: [{ productId, fields: fields(), requestId }],
      });
      expect(created.id).toBe(productId);
      expect(await rows().countBy({ id: productId })).toBe(1);

      const updated = await client.execute<typeof updateProduct>('updateProduct', {
        taskQueue,
        workflowId: productWorkflowId(productId, 'update', requestId),
        args: [{ productId, patch: { stock: 7 }, requestId }],
      });
      expect(updated.stock).toBe(7);

      const deleted = await client.execute<typeof deleteProduct>('deleteProduct', {
        taskQueue,
        workflowId: productWorkflowId(productId, 'delete', requestId),
        args: [{ productId, requestId }],
      });
      const row = await rows().findOneByOrFail({ id: productId });
      expect(row.deletedAt?.toISOString()).toBe(deleted.deletedAt);
      expect(invalidated).toEqual([productId, productId, productId]);

      // A different delete of the already deleted product is a real 404.
      const again = randomUUID();
      const err = await client
        .execute<typeof deleteProduct>('deleteProduct', {
          taskQueue,
          workflowId: productWorkflowId(productId, 'delete', again),
          args: [{ productId, requestId: again }],
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect(((err as WorkflowFailedError).cause?.cause as ApplicationFailure).type).toBe('ProductNotFound');
    },
  );
});

it('when the cache stays down, the write still answers and a purge workflow finishes the invalidation later', async () => {
  const faults: Faults = { crashAfterCommit: new Set(), cacheDown: false };
  await withWorker(faults, async (taskQueue, invalidated) => {
    const client = stack.api.temporal.workflow;
    const productId = randomUUID();
    const requestId = randomUUID();
    await client.execute<typeof createProduct>('createProduct', {
      taskQueue,
      workflowId: productWorkflowId(productId, 'create', requestId),
      args: [{ productId, fields: fields(), requestId }],
    });
    await stack.workerDeps.cache.set(productCacheKey(productId), '{"old":true}', 600);

    faults.cacheDown = true;
    const started = Date.now();
    const updated = await client.execute<typeof updateProduct>('updateProduct', {
      taskQueue,
      workflowId: productWorkflowId(productId, 'update', requestId),
      args: [{ productId, patch: { name: 'New name' }, requestId }],
    });
    expect(updated.name).toBe('New name');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await stack.workerDeps.cache.get(productCacheKey(productId))).toBe('{"old":true}'); // not yet

    const purge = client.getHandle(productCachePurgeWorkflowId(productId, requestId));
    expect((await purge.describe()).status.name).toBe('RUNNING');
    faults.cacheDown = false;
    expect(await purge.result()).toEqual({ purged: true });
    expect(await stack.workerDeps.cache.get(productCacheKey(productId))).toBeUndefined();
    expect(await stack.workerDeps.cache.get(productWrittenKey(productId))).toBeDefined();
    expect(invalidated).toEqual([productId, productId]);
  });
});

it('business failures invalidate nothing; other failures of a write still invalidate (it may have committed)', async () => {
  const faults: Faults = { crashAfterCommit: new Set(), cacheDown: false };
  await withWorker(faults, async (taskQueue, invalidated) => {
    const client = stack.api.temporal.workflow;
    const productId = randomUUID();
    const sku = `WF-${randomUUID().slice(0, 8)}`.toUpperCase();
    await client.execute<typeof createProduct>('createProduct', {
      taskQueue,
      workflowId: productWorkflowId(productId, 'create', 'a'),
      args: [{ productId, fields: { ...fields(), sku }, requestId: 'a' }],
    });
    invalidated.length = 0;

    const dupId = randomUUID();
    const taken = await client
      .execute<typeof createProduct>('createProduct', {
        taskQueue,
        workflowId: productWorkflowId(dupId, 'create', 'b'),
        args: [{ productId: dupId, fields: { ...fields(), sku }, requestId: 'b' }],
      })
      .catch((e: unknown) => e);
    expect(((taken as WorkflowFailedError).cause?.cause as ApplicationFailure).type).toBe('SkuTaken');
    expect(invalidated).toEqual([]);

    faults.failPatchWith = ApplicationFailure.nonRetryable('connection lost mid-commit', 'QueryFailedError');
    const failed = await client
      .execute<typeof updateProduct>('updateProduct', {
        taskQueue,
        workflowId: productWorkflowId(productId, 'update', 'c'),
        args: [{ productId, patch: { stock: 1 }, requestId: 'c' }],
      })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(WorkflowFailedError);
    expect(invalidated).toEqual([productId]);
  });
});

it('with no catalog worker running, a write answers at the route deadline: 202 + Location without a key, 503 + Retry-After with one; both complete once a worker starts', async () => {
  const admin = await stack.adminToken();
  const timed = async (work: () => Promise<HttpResponse>) => {
    const started = Date.now();
    const res = await work();
    expect(Date.now() - started).toBeLessThan(ROUTE_DEADLINE_MS + 3000);
    return res;
  };
  const expectStillProcessing = (res: HttpResponse) => {
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.body.code).toBe('STILL_PROCESSING');
  };

  const created = await timed(() =>
    stack.request('POST', '/api/products', {
      token: admin,
      body: { name: 'Queued product', priceCents: 10, stock: 1 },
    }),
  );
  expect(created.status).toBe(202);
  const productId = created.body.id;
  expect(created.body).toEqual({
    status: 'ACCEPTED',
    id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    workflowId: productWorkflowId(productId, 'create', productId),
    detail: expect.any(String),
  });
  const location = created.headers.get('location')!;
  expect(location).toBe(`/api/products/${productId}`);
  expect((await stack.request('GET', location)).status).toBe(404); // not written yet

  // Keyed writes: a repeat joins the same run, so the answer is "repeat it" (and so it is, twice).
  const createKey = { 'Idempotency-Key': `queued-${randomUUID()}` };
  const keyedBody = { name: 'Queued keyed product', priceCents: 10, stock: 1 };
  for (let i = 0; i < 2; i++)
    expectStillProcessing(
      await timed(() => stack.request('POST', '/api/products', { token: admin, body: keyedBody, headers: createKey })),
    );
  const existing = randomUUID();
  const now = new Date();
  await rows().insert({
    id: existing,
    sku: `Q-${existing.slice(0, 13)}`,
    name: 'Existing',
    description: '',
    priceCents: 1,
    currency: 'USD',
    stock: 1,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  });
  const updateKey = { 'Idempotency-Key': `queued-${randomUUID()}` };
  const update = () =>
    stack.request('PUT', `/api/products/${existing}`, { token: admin, body: { stock: 4 }, headers: updateKey });
  const [u1, u2] = await Promise.all([timed(update), timed(update)]);
  expectStillProcessing(u1);
  expectStillProcessing(u2);

  const running = await startWorkers(specsFor(['catalog']), stack.workerDeps, connection, namespace);
  try {
    const product = await stack.api.temporal.workflow.getHandle(created.body.workflowId).result();
    expect(product).toMatchObject({ id: productId, name: 'Queued product' });
    const read = await stack.request('GET', location, { token: admin });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: productId, name: 'Queued product' });

    const keyed = await stack.request('POST', '/api/products', { token: admin, body: keyedBody, headers: createKey });
    expect(keyed.status).toBe(201);
    expect(await rows().countBy({ name: keyedBody.name })).toBe(1);
    const updated = await update();
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: existing, stock: 4 });
  } finally {
    await running.shutdown();
  }
});

it('through the gateway: a write that fails for a non-business reason is a 503 problem, never a 500', async () => {
  const admin = await stack.adminToken();
  // This file's stack runs no catalog worker: ours, with a failing database write, serves the queue.
  const faults: Faults = {
    crashAfterCommit: new Set(),
    cacheDown: false,
    failPatchWith: ApplicationFailure.nonRetryable('connect ECONNREFUSED', 'QueryFailedError'),
  };
  await withWorker(
    faults,
    async () => {
      const created = await stack.request('POST', '/api/products', {
        token: admin,
        body: { name: 'Gateway fault', priceCents: 1, stock: 1 },
      });
      expect(created.status).toBe(201);
      const res = await stack.request('PUT', `/api/products/${created.body.id}`, { token: admin, body: { stock: 2 } });
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.body).toMatchObject({ status: 503, code: 'CATALOG_UNAVAILABLE' });
    },
    CATALOG_TASK_QUEUE,
  );
});
