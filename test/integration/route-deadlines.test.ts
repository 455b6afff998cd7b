// Write routes answer within ROUTE_DEADLINE_MS (2 s here) when no worker pool is polling: 202 +
// Location where the work was started and goes on, 503 + Retry-After where repeating is safe,
// never a hang. An order whose run an operator terminated answers 409, not 500.
import { randomUUID } from 'node:crypto';
import { orderWorkflowId } from '../../workflows/orders/contract';
import { createProduct, oneOf, placeOrder, waitForOrder } from '../support/orders-fixtures';
import { type HttpResponse, type Stack, startStack } from '../support/stack';

const DEADLINE_MS = 2000;
let stack: Stack;
let admin: string;
let customer: { token: string };
let stranger: { token: string };
let paid: string[];
beforeAll(async () => {
  stack = await startStack({ env: { ROUTE_DEADLINE_MS: String(DEADLINE_MS) } });
  admin = await stack.adminToken();
  customer = await stack.customer();
  stranger = await stack.customer();
  const product = await createProduct(stack, { stock: 10 });
  paid = [];
  for (let i = 0; i < 4; i++) {
    const placed = await placeOrder(stack, customer.token, oneOf(product.id));
    // With the pools up: 201, or 202 when a busy machine takes longer than the 2 s deadline (the
    // order goes on either way); what matters here is four PAID orders for the tests below.
    expect([201, 202]).toContain(placed.status);
    await waitForOrder(stack, customer.token, placed.body.id, (o) => o.status === 'PAID');
    paid.push(placed.body.id);
  }
  await stack.stopWorkers();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

async function timed(work: () => Promise<HttpResponse>): Promise<HttpResponse & { ms: number }> {
  const started = Date.now();
  const res = await work();
  return { ...res, ms: Date.now() - started };
}

/** `waitedMs`: how long the route waits on Temporal (an unkeyed order keeps a quarter to confirm its start). */
function expectBounded(res: { ms: number }, waitedMs = DEADLINE_MS) {
  expect(res.ms).toBeGreaterThanOrEqual(waitedMs - 300);
  expect(res.ms).toBeLessThan(DEADLINE_MS + 8000);
}

function expect503(res: HttpResponse & { ms: number }) {
  expect(res.status).toBe(503);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.headers.get('retry-after')).toBe('5');
  expect(res.body.code).toBe('STILL_PROCESSING');
  expectBounded(res);
}

describe('with every worker pool down', () => {
  it('registration answers 202 with Location', async () => {
    const res = await timed(() =>
      stack.request('POST', '/api/users/register', {
        body: { email: `late-${randomUUID()}@example.test`, password: 'password123', name: 'Late' },
      }),
    );
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'ACCEPTED', id: expect.any(String) });
    expect(res.headers.get('location')).toBe(`/api/users/${res.body.id}`);
    expectBounded(res);
  });

  it('an order without Idempotency-Key answers 202 with Location; with one, 503 (repeat it)', async () => {
    const product = await createProduct(stack, { stock: 5 });
    const plain = await timed(() => placeOrder(stack, customer.token, oneOf(product.id)));
    expect(plain.status).toBe(202);
    expect(plain.body).toMatchObject({ status: 'ACCEPTED', workflowId: orderWorkflowId(plain.body.id) });
    expect(plain.headers.get('location')).toBe(`/api/orders/${plain.body.id}`);
    expectBounded(plain, (DEADLINE_MS * 3) / 4);
    // Its Location answers 202 while it waits for intake (it was 404: nothing says it is coming),
    // to its customer only.
    const polled = await stack.request('GET', `/api/orders/${plain.body.id}`, { token: customer.token });
    expect([polled.status, polled.body.status, polled.headers.get('retry-after')]).toEqual([202, 'ACCEPTED', '2']);
    const probed = await stack.request('GET', `/api/orders/${plain.body.id}`, { token: stranger.token });
    expect([probed.status, probed.body.code]).toEqual([404, 'NOT_FOUND']);

    const keyed = await timed(() =>
      placeOrder(stack, customer.token, oneOf(product.id), { idempotencyKey: `late-${randomUUID()}` }),
    );
    expect503(keyed);
  });

  it('cancel and ship answer 503 with Retry-After', async () => {
    expect503(await timed(() => stack.request('PUT', `/api/orders/${paid[0]}/cancel`, { token: customer.token })));
    expect503(await timed(() => stack.request('PUT', `/api/orders/${paid[1]}/ship`, { token: admin })));
  });
});

it('cancel and ship of an order whose run an operator terminated answer 409 ORDER_PROCESS_CLOSED', async () => {
  for (const id of [paid[2], paid[3]])
    await stack.api.temporal.workflow.getHandle(orderWorkflowId(id)).terminate('operator test');
  const cancel = await stack.request('PUT', `/api/orders/${paid[2]}/cancel`, { token: customer.token });
  const ship = await stack.request('PUT', `/api/orders/${paid[3]}/ship`, { token: admin });
  for (const res of [cancel, ship]) {
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.code).toBe('ORDER_PROCESS_CLOSED');
  }
});
