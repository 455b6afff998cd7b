// Orders end to end on the real stack (Temporal dev server, MariaDB, Redis, SMTP): every
// transition of the placeOrder workflow and every error of the HTTP contract.
import { randomUUID } from 'node:crypto';
import SwaggerParser from '@apidevtools/swagger-parser';
import { openApiDocument } from '../../api/openapi';
import { OrderEntity, ProductEntity } from '../../db/entities';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import {
  CustomerIdSearchAttribute,
  OrderStatusSearchAttribute,
  OrderTotalCentsSearchAttribute,
  type OrderView,
  type PlaceOrderResult,
  cancelOrderUpdate,
  getOrderQuery,
  shipOrderUpdate,
  submitOrderUpdate,
} from '../../workflows/orders/contract';
import { expectSchema } from '../support/openapi-schema';
import {
  createProduct,
  eventually,
  oneOf,
  orderHandle,
  paymentsOf,
  placeOrder,
  reservationsOf,
  stockOf,
  waitForOrder,
  waitForStatus,
} from '../support/orders-fixtures';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

// Every answer checked here must match the OpenAPI document (api/orders/orders.output.ts).
const doc = openApiDocument();

const expectProblem = (res: { status: number; headers: Headers; body: any }, status: number, code?: string) => {
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expectSchema('Problem', res.body);
  expect(res.body).toMatchObject({
    status,
    title: expect.any(String),
    detail: expect.any(String),
    type: expect.any(String),
  });
  expect(res.status).toBe(status);
  if (code) expect(res.body.code).toBe(code);
};

/** Names of the updates the workflow accepted (rejected ones never reach history). */
async function acceptedUpdates(orderId: string): Promise<string[]> {
  const history = await orderHandle(stack, orderId).fetchHistory();
  return (history.events ?? []).flatMap((e) =>
    e.workflowExecutionUpdateAcceptedEventAttributes
      ? [e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.input?.name ?? '?']
      : [],
  );
}

async function currentDetails(orderId: string): Promise<string> {
  const meta = await orderHandle(stack, orderId).query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return meta.currentDetails ?? '';
}

const orderMail = (email: string, subject: string) =>
  stack.smtp.waitFor((m) => m.to.includes(email) && m.header('Subject') === subject);

describe('placing an order', () => {
  it('answers 201 PENDING priced from the catalog, then pays, e-mails, and REST, workflow and search attributes agree', async () => {
    const c = await stack.customer('Olivia');
    const a = await createProduct(stack, { stock: 5, priceCents: 1250, name: 'Teapot' });
    const b = await createProduct(stack, { stock: 3, priceCents: 399, name: 'Tea' });
    // Prices, totals and statuses in the body are ignored; the same product twice is merged.
    const res = await placeOrder(stack, c.token, {
      items: [
        { productId: a.id, quantity: 1, unitPriceCents: 1 },
        { productId: b.id.toUpperCase(), quantity: 2 },
        { productId: a.id, quantity: 1 },
      ],
      totalCents: 1,
      status: 'PAID',
    });
    expect(res.status).toBe(201);
    expectSchema('Order', res.body);
    expect(res.headers.get('location')).toBe(`/api/orders/${res.body.id}`);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
    const items = [
      { productId: a.id, name: 'Teapot', unitPriceCents: 1250, quantity: 2 },
      { productId: b.id, name: 'Tea', unitPriceCents: 399, quantity: 2 },
    ].sort((x, y) => x.productId.localeCompare(y.productId));
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      userId: c.id,
      status: 'PENDING',
      items,
      totalCents: 2 * 1250 + 2 * 399,
      currency: 'USD',
      payment: { status: 'PENDING' },
      createdAt: expect.any(String),
      updatedAt: res.body.createdAt,
    });
    // Reserved at once: the 201 means the stock is held for this order.
    expect(await stockOf(stack, a.id)).toBe(3);
    expect(await stockOf(stack, b.id)).toBe(1);

    const paid = await waitForStatus(stack, c.token, res.body.id, 'PAID');
    expectSchema('Order', paid);
    expect(paid.payment).toEqual({ status: 'SUCCEEDED', chargeId: expect.stringMatching(/^ch_/) });
    expect(Date.parse(paid.updatedAt)).toBeGreaterThanOrEqual(Date.parse(paid.createdAt));
    const payments = await paymentsOf(stack, res.body.id);
    expect(payments.map((p) => [p.kind, p.outcome, p.amountCents, p.idempotencyKey])).toEqual([
      ['charge', 'succeeded', 3298, `${res.body.id}:charge`],
    ]);

    const mail = await orderMail(c.email, `Order ${res.body.id} confirmed`);
    expect(mail.header('Message-ID')).toBe(`<order-paid:${res.body.id}@temporal-shop>`);
    expect(mail.raw).toContain('32.98 USD');

    // Web UI / CLI view: search attributes, the getOrder query and the current details.
    const handle = orderHandle(stack, res.body.id);
    const sa = (await handle.describe()).typedSearchAttributes;
    expect(sa.get(OrderStatusSearchAttribute)).toBe('PAID');
    expect(sa.get(CustomerIdSearchAttribute)).toBe(c.id);
    expect(sa.get(OrderTotalCentsSearchAttribute)).toBe(3298);
    expect(await handle.query(getOrderQuery)).toEqual(paid);
    expect(await currentDetails(res.body.id)).toContain('**PAID**');
    const listed = await eventually(
      async () => {
        const found: string[] = [];
        for await (const wf of stack.api.temporal.workflow.list({
          query: `OrderStatus = "PAID" AND CustomerId = "${c.id}"`,
        }))
          found.push(wf.workflowId);
        return found.includes(`order-${res.body.id}`) ? found : undefined;
      },
      20_000,
      'visibility query by OrderStatus/CustomerId',
    );
    expect(listed).toEqual([`order-${res.body.id}`]);
  });

  it('stock edits: stock sets the units available, stockDelta adjusts them; a cancel gives back what it held', async () => {
    const c = await stack.customer();
    const admin = await stack.adminToken();
    const p = await createProduct(stack, { stock: 10 });
    const placed = await placeOrder(stack, c.token, oneOf(p.id, 2));
    await waitForStatus(stack, c.token, placed.body.id, 'PAID');
    expect(await stockOf(stack, p.id)).toBe(8);
    const put = (body: object) => stack.request('PUT', `/api/products/${p.id}`, { token: admin, body });
    // Goods received while the order holds its 2 units: +5 on what is available.
    expect((await put({ stockDelta: 5 })).body).toMatchObject({ stock: 13 });
    expectProblem(await put({ stockDelta: -14 }), 400, 'VALIDATION_FAILED');
    expectProblem(await put({ stock: 3, stockDelta: 1 }), 400, 'VALIDATION_FAILED');
    // Repeated large deltas stop at the stock limit (they once overflowed the column: 503).
    expect((await put({ stockDelta: 999_999_000 })).status).toBe(200);
    expectProblem(await put({ stockDelta: 999_999_000 }), 400, 'VALIDATION_FAILED');
    expect((await put({ stockDelta: -999_999_000 })).status).toBe(200);
    expect(await stockOf(stack, p.id)).toBe(13);
    const cancelled = await stack.request('PUT', `/api/orders/${placed.body.id}/cancel`, { token: c.token });
    expect(cancelled.status).toBe(200);
    expect(await stockOf(stack, p.id)).toBe(15);
    // An absolute edit says what is available now; a later cancel still returns what it held.
    const second = await placeOrder(stack, c.token, oneOf(p.id, 4));
    await waitForStatus(stack, c.token, second.body.id, 'PAID');
    expect((await put({ stock: 20 })).body).toMatchObject({ stock: 20 });
    await stack.request('PUT', `/api/orders/${second.body.id}/cancel`, { token: c.token });
    expect(await stockOf(stack, p.id)).toBe(24);
  });

  it('refuses more than the stock with 409 OUT_OF_STOCK and holds nothing', async () => {
    const c = await stack.customer();
    const a = await createProduct(stack, { stock: 5 });
    const b = await createProduct(stack, { stock: 1 });
    const res = await placeOrder(stack, c.token, {
      items: [
        { productId: a.id, quantity: 2 },
        { productId: b.id, quantity: 2 },
      ],
    });
    expectProblem(res, 409, 'OUT_OF_STOCK');
    expect(res.body.details).toEqual({ productId: b.id });
    expect(res.headers.get('location')).toBeNull();
    expect(await stockOf(stack, a.id)).toBe(5);
    expect(await stockOf(stack, b.id)).toBe(1);
    const { items } = (await stack.request('GET', '/api/orders', { token: c.token })).body;
    expect(items).toEqual([]);
    expect(await stack.workerDeps.dataSource.getRepository(OrderEntity).countBy({ userId: c.id })).toBe(0);
  });

  it('refuses unknown and deleted products with 422 UNKNOWN_PRODUCT', async () => {
    const c = await stack.customer();
    const live = await createProduct(stack, { stock: 5 });
    const gone = await createProduct(stack, { stock: 5 });
    await stack.workerDeps.dataSource.getRepository(ProductEntity).update({ id: gone.id }, { deletedAt: new Date() });
    const missing = randomUUID();
    const res = await placeOrder(stack, c.token, {
      items: [
        { productId: live.id, quantity: 1 },
        { productId: missing, quantity: 1 },
        { productId: gone.id, quantity: 1 },
      ],
    });
    expectProblem(res, 422, 'UNKNOWN_PRODUCT');
    expect([...res.body.details.productIds].sort()).toEqual([missing, gone.id].sort());
    expect(await stockOf(stack, live.id)).toBe(5);
  });

  it('leaves the refused request visible to operators as a completed REJECTED run', async () => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 0 });
    const key = randomUUID();
    expectProblem(await placeOrder(stack, c.token, oneOf(p.id), { idempotencyKey: key }), 409, 'OUT_OF_STOCK');
    const { orderIdFor } = await import('../../api/orders/idempotency');
    const handle = orderHandle(stack, orderIdFor(c.id, key));
    const result = (await handle.result()) as PlaceOrderResult;
    expect(result).toMatchObject({ outcome: 'REJECTED', rejection: { type: 'OutOfStock' } });
    expect((await handle.describe()).typedSearchAttributes.get(OrderStatusSearchAttribute)).toBe('REJECTED');
    expect(await reservationsOf(stack, orderIdFor(c.id, key))).toEqual([]);
    // Its ID tells its customer why there is no order; anyone else gets the plain 404.
    const mine = await stack.request('GET', `/api/orders/${orderIdFor(c.id, key)}`, { token: c.token });
    expectProblem(mine, 404, 'ORDER_NOT_PLACED');
    expect(mine.body).toMatchObject({ reason: 'OutOfStock' });
    const other = await stack.customer();
    expectProblem(
      await stack.request('GET', `/api/orders/${orderIdFor(c.id, key)}`, { token: other.token }),
      404,
      'NOT_FOUND',
    );
  });

  it.each([
    ['no items', { items: [] }],
    ['51 lines', { items: Array.from({ length: 51 }, () => ({ productId: randomUUID(), quantity: 1 })) }],
    ['quantity 0', { items: [{ productId: randomUUID(), quantity: 0 }] }],
    ['quantity 101', { items: [{ productId: randomUUID(), quantity: 101 }] }],
    ['a fractional quantity', { items: [{ productId: randomUUID(), quantity: 1.5 }] }],
    ['a quantity as a string', { items: [{ productId: randomUUID(), quantity: '1' }] }],
    ['a product ID that is not a UUID', { items: [{ productId: 'teapot', quantity: 1 }] }],
    [
      'an unknown payment method',
      { items: [{ productId: randomUUID(), quantity: 1 }], paymentMethod: 'pm_card_amex_free_money' },
    ],
    ['items not an array', { items: { productId: randomUUID(), quantity: 1 } }],
  ])('rejects %s with 400', async (_label, body) => {
    const c = await stack.customer();
    expectProblem(await placeOrder(stack, c.token, body), 400, 'VALIDATION_FAILED');
  });

  it('requires a token, a JSON object body and a sane Idempotency-Key', async () => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 1 });
    expectProblem(await stack.request('POST', '/api/orders', { body: oneOf(p.id) }), 401, 'UNAUTHORIZED');
    expectProblem(await stack.request('POST', '/api/orders', { token: c.token }), 400, 'VALIDATION_FAILED');
    expectProblem(
      await stack.request('POST', '/api/orders', { token: c.token, body: [oneOf(p.id)] }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await placeOrder(stack, c.token, oneOf(p.id), { idempotencyKey: 'x'.repeat(256) }),
      400,
      'VALIDATION_FAILED',
    );
    expect(await stockOf(stack, p.id)).toBe(1);
  });
});

describe('payment', () => {
  it('declined card: FAILED with PAYMENT_DECLINED, stock released, e-mail, one declined charge; not cancellable', async () => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 2 });
    const res = await placeOrder(stack, c.token, oneOf(p.id, 2, 'pm_card_chargeDeclined'));
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('PENDING');
    const failed = await waitForStatus(stack, c.token, res.body.id, 'FAILED');
    expect(failed).toMatchObject({ failureReason: 'PAYMENT_DECLINED', payment: { status: 'DECLINED' } });
    expectSchema('Order', failed);
    expect(await stockOf(stack, p.id)).toBe(2);
    expect((await reservationsOf(stack, res.body.id)).map((r) => r.status)).toEqual(['RELEASED']);
    expect((await paymentsOf(stack, res.body.id)).map((x) => [x.kind, x.outcome, x.declineCode])).toEqual([
      ['charge', 'declined', 'card_declined'],
    ]);
    const mail = await orderMail(c.email, `Order ${res.body.id} could not be completed`);
    expect(mail.raw).toContain('PAYMENT_DECLINED');

    expectProblem(
      await stack.request('PUT', `/api/orders/${res.body.id}/cancel`, { token: c.token }),
      409,
      'ORDER_NOT_CANCELLABLE',
    );
    expectProblem(
      await stack.request('PUT', `/api/orders/${res.body.id}/ship`, { token: await stack.adminToken() }),
      409,
      'INVALID_TRANSITION',
    );
    const result = (await orderHandle(stack, res.body.id).result()) as PlaceOrderResult;
    expect(result).toEqual({ outcome: 'COMPLETED', order: failed });
  });

  it('flaky card: PAID after retries, with exactly one stored charge', async () => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 1 });
    const res = await placeOrder(stack, c.token, oneOf(p.id, 1, 'pm_card_flaky'));
    expect(res.status).toBe(201);
    const paid = await waitForStatus(stack, c.token, res.body.id, 'PAID');
    const payments = await paymentsOf(stack, res.body.id);
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ kind: 'charge', outcome: 'succeeded', id: paid.payment!.chargeId });
    // Attempts 1-2 failed before capture, 3 captured but lost the answer, 4 got the stored answer.
    const history = await orderHandle(stack, res.body.id).fetchHistory();
    const scheduled = history.events!.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'chargePayment',
    )!;
    const started = history.events!.find(
      (e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === Number(scheduled.eventId),
    )!;
    expect(started.activityTaskStartedEventAttributes!.attempt).toBe(4);
    expect(started.activityTaskStartedEventAttributes!.lastFailure?.applicationFailureInfo?.type).toBe(
      'PaymentProviderUnavailable',
    );
  });
});

describe('cancellation', () => {
  it('cancels a PAID order: one refund, stock restored, e-mail; a second cancel returns it unchanged', async () => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 3 });
    const placed = await placeOrder(stack, c.token, oneOf(p.id, 2));
    const paid = await waitForStatus(stack, c.token, placed.body.id, 'PAID');
    expect(await stockOf(stack, p.id)).toBe(1);

    const res = await stack.request<OrderView>('PUT', `/api/orders/${paid.id}/cancel`, {
      token: c.token,
      body: { reason: 'changed my mind' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'CANCELLED',
      payment: { status: 'REFUNDED', chargeId: paid.payment!.chargeId, refundId: expect.stringMatching(/^re_/) },
    });
    expectSchema('Order', res.body);
    expect(res.body.failureReason).toBeUndefined();
    // The answer came after the compensation: it is all done already.
    expect(await stockOf(stack, p.id)).toBe(3);
    const payments = await paymentsOf(stack, paid.id);
    expect(payments.map((x) => [x.kind, x.outcome, x.amountCents])).toEqual([
      ['charge', 'succeeded', paid.totalCents],
      ['refund', 'succeeded', paid.totalCents],
    ]);
    expect((await stack.request('GET', `/api/orders/${paid.id}`, { token: c.token })).body).toEqual(res.body);
    const mail = await orderMail(c.email, `Order ${paid.id} cancelled`);
    expect(mail.raw).toContain('has been refunded');

    const again = await stack.request('PUT', `/api/orders/${paid.id}/cancel`, { token: c.token });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
    expectProblem(
      await stack.request('PUT', `/api/orders/${paid.id}/ship`, { token: await stack.adminToken() }),
      409,
      'INVALID_TRANSITION',
    );
    expect(await paymentsOf(stack, paid.id)).toHaveLength(2);
    expect(stack.smtp.to(c.email).filter((m) => m.header('Subject') === `Order ${paid.id} cancelled`)).toHaveLength(1);
  });

  it('cancels while the charge is in flight: waits for it, then refunds what it captured', async () => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 1 });
    const placed = await placeOrder(stack, c.token, oneOf(p.id, 1, 'pm_card_slow'));
    expect(placed.status).toBe(201);
    // The provider has captured, but its answer has not come back yet.
    const charge = await eventually(
      async () => (await paymentsOf(stack, placed.body.id)).find((x) => x.kind === 'charge'),
      10_000,
      'the capture',
    );
    expect((await stack.request('GET', `/api/orders/${placed.body.id}`, { token: c.token })).body.status).toBe(
      'PENDING',
    );
    const res = await stack.request<OrderView>('PUT', `/api/orders/${placed.body.id}/cancel`, { token: c.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'CANCELLED', payment: { status: 'REFUNDED', chargeId: charge.id } });
    expect(await stockOf(stack, p.id)).toBe(1);
    expect((await paymentsOf(stack, placed.body.id)).map((x) => [x.kind, x.outcome])).toEqual([
      ['charge', 'succeeded'],
      ['refund', 'succeeded'],
    ]);
    // Never PAID: no confirmation e-mail, only the cancellation.
    await orderMail(c.email, `Order ${placed.body.id} cancelled`);
    expect(stack.smtp.to(c.email).map((m) => m.header('Subject'))).not.toContain(`Order ${placed.body.id} confirmed`);
  });

  it('cancels a PENDING order whose payment cannot complete: nothing captured, the charge key closed', async () => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 1 });
    const placed = await placeOrder(stack, c.token, oneOf(p.id, 1, 'pm_card_unavailable'));
    expect(placed.status).toBe(201);
    const admin = await stack.adminToken();
    expectProblem(
      await stack.request('PUT', `/api/orders/${placed.body.id}/ship`, { token: admin }),
      409,
      'INVALID_TRANSITION',
    );
    // Straight to the workflow (as an operator's CLI would): the validators refuse invalid
    // requests before they are written to the history.
    const handle = orderHandle(stack, placed.body.id);
    const refusal = async (p: Promise<unknown>) => {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      return (err as WorkflowUpdateFailedError).cause as { type?: string };
    };
    expect((await refusal(handle.executeUpdate(shipOrderUpdate, { args: [] }))).type).toBe('InvalidTransition');
    expect(
      (await refusal(handle.executeUpdate(cancelOrderUpdate, { args: [{ actor: 'intruder' as 'admin' }] }))).type,
    ).toBe('ValidationFailed');
    // The workflow's own actor, and a customer who is not the order's, are refused too: a
    // system reason code would reach the customer's e-mail.
    for (const forged of [
      { actor: 'system' as const, reason: 'PAYMENT_TIMEOUT' },
      { actor: 'customer' as const },
      { actor: 'customer' as const, customerId: randomUUID() },
    ])
      expect((await refusal(handle.executeUpdate(cancelOrderUpdate, { args: [forged] }))).type).toBe(
        'ValidationFailed',
      );
    expect(
      (await refusal(handle.executeUpdate(submitOrderUpdate, { args: [{ requestHash: 'f'.repeat(64) }] }))).type,
    ).toBe('IdempotencyKeyReused');
    expect(await acceptedUpdates(placed.body.id)).toEqual(['submitOrder']);
    const res = await stack.request<OrderView>('PUT', `/api/orders/${placed.body.id}/cancel`, {
      token: admin,
      body: { reason: 'customer called' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'CANCELLED', payment: { status: 'CANCELLED' } });
    expect(res.body.payment!.chargeId).toBeUndefined();
    expect(await stockOf(stack, p.id)).toBe(1);
    expect((await paymentsOf(stack, placed.body.id)).map((x) => [x.kind, x.outcome])).toEqual([
      ['charge', 'cancelled'],
    ]);
    const mail = await orderMail(c.email, `Order ${placed.body.id} cancelled`);
    expect(mail.raw).not.toContain('refunded');
    expect(await acceptedUpdates(placed.body.id)).toEqual(['submitOrder', 'cancelOrder']);
  });

  it('honours a Temporal cancellation request (Web UI, `temporal workflow cancel`) with the same compensation', async () => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 2 });
    const paid = await placeOrder(stack, c.token, oneOf(p.id));
    await waitForStatus(stack, c.token, paid.body.id, 'PAID');
    const charging = await placeOrder(stack, c.token, oneOf(p.id, 1, 'pm_card_unavailable'));
    expect(await stockOf(stack, p.id)).toBe(0);

    await Promise.all([orderHandle(stack, paid.body.id).cancel(), orderHandle(stack, charging.body.id).cancel()]);
    const a = await waitForStatus(stack, c.token, paid.body.id, 'CANCELLED');
    const b = await waitForStatus(stack, c.token, charging.body.id, 'CANCELLED');
    expect(a).toMatchObject({ failureReason: 'WORKFLOW_CANCELLED', payment: { status: 'REFUNDED' } });
    expect(b).toMatchObject({ failureReason: 'WORKFLOW_CANCELLED', payment: { status: 'CANCELLED' } });
    expect(await stockOf(stack, p.id)).toBe(2);
    for (const id of [paid.body.id, charging.body.id]) {
      const handle = orderHandle(stack, id);
      expect(await handle.result()).toMatchObject({ outcome: 'COMPLETED', order: { status: 'CANCELLED' } });
      expect((await handle.describe()).status.name).toBe('COMPLETED');
      await orderMail(c.email, `Order ${id} cancelled`);
    }
    expect((await paymentsOf(stack, paid.body.id)).map((x) => [x.kind, x.outcome])).toEqual([
      ['charge', 'succeeded'],
      ['refund', 'succeeded'],
    ]);
  });

  it('lets the owner and admins cancel; others get 404', async () => {
    const owner = await stack.customer();
    const other = await stack.customer();
    const p = await createProduct(stack, { stock: 1 });
    const placed = await placeOrder(stack, owner.token, oneOf(p.id));
    await waitForStatus(stack, owner.token, placed.body.id, 'PAID');
    expectProblem(
      await stack.request('PUT', `/api/orders/${placed.body.id}/cancel`, { token: other.token }),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await stack.request('PUT', `/api/orders/${randomUUID()}/cancel`, { token: owner.token }),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await stack.request('PUT', `/api/orders/${placed.body.id}/cancel`, {
        token: owner.token,
        body: { reason: 'x'.repeat(201) },
      }),
      400,
      'VALIDATION_FAILED',
    );
    const res = await stack.request('PUT', `/api/orders/${placed.body.id}/cancel`, { token: await stack.adminToken() });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('CANCELLED');
  });
});

describe('shipping', () => {
  it('ships a PAID order (admin only): SHIPPED, the workflow completes, a repeat answers the same, a cancel is refused', async () => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 1 });
    const placed = await placeOrder(stack, c.token, oneOf(p.id));
    await waitForStatus(stack, c.token, placed.body.id, 'PAID');
    expectProblem(
      await stack.request('PUT', `/api/orders/${placed.body.id}/ship`, { token: c.token }),
      403,
      'FORBIDDEN',
    );
    const admin = await stack.adminToken();
    const res = await stack.request<OrderView>('PUT', `/api/orders/${placed.body.id}/ship`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'SHIPPED', payment: { status: 'SUCCEEDED' } });
    expectSchema('Order', res.body);
    const handle = orderHandle(stack, placed.body.id);
    expect(await handle.result()).toEqual({ outcome: 'COMPLETED', order: res.body });
    expect((await handle.describe()).typedSearchAttributes.get(OrderStatusSearchAttribute)).toBe('SHIPPED');
    expect(await stockOf(stack, p.id)).toBe(0);

    expectProblem(
      await stack.request('PUT', `/api/orders/${placed.body.id}/cancel`, { token: c.token }),
      409,
      'ORDER_NOT_CANCELLABLE',
    );
    // A retried ship (its first answer lost) gets the same answer, not 409.
    const again = await stack.request<OrderView>('PUT', `/api/orders/${placed.body.id}/ship`, { token: admin });
    expect([again.status, again.body]).toEqual([200, res.body]);
    expect(await acceptedUpdates(placed.body.id)).toEqual(['submitOrder', 'shipOrder']);
  });

  it('settles a race between ship and cancel with exactly one winner', async () => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 2 });
    const admin = await stack.adminToken();
    for (let i = 0; i < 2; i++) {
      const placed = await placeOrder(stack, c.token, oneOf(p.id));
      await waitForStatus(stack, c.token, placed.body.id, 'PAID');
      const [ship, cancel] = await Promise.all([
        stack.request('PUT', `/api/orders/${placed.body.id}/ship`, { token: admin }),
        stack.request('PUT', `/api/orders/${placed.body.id}/cancel`, { token: c.token }),
      ]);
      const final = (await stack.request<OrderView>('GET', `/api/orders/${placed.body.id}`, { token: c.token })).body;
      if (final.status === 'SHIPPED') {
        expect([ship.status, cancel.status, cancel.body.code]).toEqual([200, 409, 'ORDER_NOT_CANCELLABLE']);
      } else {
        expect(final.status).toBe('CANCELLED');
        expect([ship.status, cancel.status, ship.body.code]).toEqual([409, 200, 'INVALID_TRANSITION']);
      }
      expect((await acceptedUpdates(placed.body.id)).length).toBe(2);
    }
  });
});

describe('reading orders', () => {
  it('shows an order to its owner and admins only (404 for anyone else)', async () => {
    const owner = await stack.customer();
    const other = await stack.customer();
    const p = await createProduct(stack, { stock: 1 });
    const placed = await placeOrder(stack, owner.token, oneOf(p.id));
    expect((await stack.request('GET', `/api/orders/${placed.body.id}`, { token: owner.token })).status).toBe(200);
    expect(
      (await stack.request('GET', `/api/orders/${placed.body.id}`, { token: await stack.adminToken() })).status,
    ).toBe(200);
    expectProblem(
      await stack.request('GET', `/api/orders/${placed.body.id}`, { token: other.token }),
      404,
      'NOT_FOUND',
    );
    expectProblem(await stack.request('GET', `/api/orders/${randomUUID()}`, { token: owner.token }), 404, 'NOT_FOUND');
    expectProblem(
      await stack.request('GET', '/api/orders/not-a-uuid', { token: owner.token }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(await stack.request('GET', `/api/orders/${placed.body.id}`), 401);
  });

  it('lists own orders newest first with a stable keyset cursor; admins list all, filtered', async () => {
    const alice = await stack.customer();
    const bob = await stack.customer();
    const p = await createProduct(stack, { stock: 10 });
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) mine.push((await placeOrder(stack, alice.token, oneOf(p.id))).body.id);
    const bobs = (await placeOrder(stack, bob.token, oneOf(p.id, 1, 'pm_card_chargeDeclined'))).body.id;
    await waitForStatus(stack, bob.token, bobs, 'FAILED');

    const pages: OrderView[][] = [];
    let cursor: string | null = null;
    do {
      const res: any = await stack.request('GET', `/api/orders?limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
        token: alice.token,
      });
      expect(res.status).toBe(200);
      expectSchema('OrderPage', res.body);
      pages.push(res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(pages.map((pg) => pg.length)).toEqual([2, 2, 1]);
    const ids = pages.flat().map((o) => o.id);
    const rows = await stack.workerDeps.dataSource.getRepository(OrderEntity).findBy({ userId: alice.id });
    const newestFirst = rows
      .sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime() || (y.id < x.id ? -1 : y.id > x.id ? 1 : 0))
      .map((o) => o.id);
    expect(ids).toEqual(newestFirst);
    expect([...ids].sort()).toEqual([...mine].sort());
    expect(pages.flat().every((o) => o.userId === alice.id && o.items.length === 1)).toBe(true);

    const admin = await stack.adminToken();
    const bobsList = await stack.request('GET', `/api/orders?userId=${bob.id}`, { token: admin });
    expect(bobsList.body.items.map((o: OrderView) => o.id)).toEqual([bobs]);
    const failed = await stack.request('GET', `/api/orders?status=FAILED&userId=${bob.id}`, { token: admin });
    expect(failed.body).toEqual({ items: [expect.objectContaining({ id: bobs, status: 'FAILED' })], nextCursor: null });
    const all = await stack.request('GET', '/api/orders?limit=100', { token: admin });
    expect(all.body.items.map((o: OrderView) => o.id)).toEqual(expect.arrayContaining([...mine, bobs]));
    const pendingOfBob = await stack.request('GET', `/api/orders?status=PENDING&userId=${bob.id}`, { token: admin });
    expect(pendingOfBob.body.items).toEqual([]);

    expectProblem(await stack.request('GET', `/api/orders?userId=${bob.id}`, { token: alice.token }), 403, 'FORBIDDEN');
    expect(
      (await stack.request('GET', `/api/orders?userId=${alice.id}&limit=1`, { token: alice.token })).body.items,
    ).toHaveLength(1);
    for (const q of ['limit=0', 'limit=101', 'limit=abc', 'cursor=not-a-cursor', 'status=LOST', 'userId=nope']) {
      expectProblem(await stack.request('GET', `/api/orders?${q}`, { token: alice.token }), 400, 'VALIDATION_FAILED');
    }
    for (const id of mine) await stack.request('PUT', `/api/orders/${id}/cancel`, { token: alice.token });
  });
});

describe('idempotency', () => {
  it('answers a repeated key with the same 201 and body, even after the order moved on', async () => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 5 });
    const key = `order-${randomUUID()}`;
    const first = await placeOrder(stack, c.token, oneOf(p.id, 2), { idempotencyKey: key });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBe('false');
    await waitForStatus(stack, c.token, first.body.id, 'PAID');
    // The same request written differently (split line) is the same request.
    const again = await placeOrder(
      stack,
      c.token,
      {
        items: [
          { productId: p.id, quantity: 1 },
          { productId: p.id, quantity: 1 },
        ],
      },
      { idempotencyKey: key },
    );
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.body).toEqual(first.body);

    await stack.request('PUT', `/api/orders/${first.body.id}/ship`, { token: await stack.adminToken() });
    const afterShip = await placeOrder(stack, c.token, oneOf(p.id, 2), { idempotencyKey: key });
    expect([afterShip.status, afterShip.body]).toEqual([201, first.body]);
    expect(await stockOf(stack, p.id)).toBe(3);
    expect(await paymentsOf(stack, first.body.id)).toHaveLength(1);
  });

  it('refuses the same key with a different body (422), scopes keys per user, and places anew without a key', async () => {
    const c = await stack.customer();
    const d = await stack.customer();
    const p = await createProduct(stack, { stock: 10 });
    const key = randomUUID();
    const first = await placeOrder(stack, c.token, oneOf(p.id, 1), { idempotencyKey: key });
    expect(first.status).toBe(201);
    expectProblem(
      await placeOrder(stack, c.token, oneOf(p.id, 2), { idempotencyKey: key }),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );
    expectProblem(
      await placeOrder(stack, c.token, oneOf(p.id, 1, 'pm_card_chargeDeclined'), { idempotencyKey: key }),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );
    const theirs = await placeOrder(stack, d.token, oneOf(p.id, 1), { idempotencyKey: key });
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(first.body.id);
    const n1 = await placeOrder(stack, c.token, oneOf(p.id, 1));
    const n2 = await placeOrder(stack, c.token, oneOf(p.id, 1));
    expect(new Set([first.body.id, n1.body.id, n2.body.id]).size).toBe(3);
    expect(await stockOf(stack, p.id)).toBe(6);
  });

  it('repeats a refusal as it was, even once stock is back, and refuses a different body for that key', async () => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 0 });
    const key = randomUUID();
    const first = await placeOrder(stack, c.token, oneOf(p.id), { idempotencyKey: key });
    expectProblem(first, 409, 'OUT_OF_STOCK');
    await stack.workerDeps.dataSource.getRepository(ProductEntity).update({ id: p.id }, { stock: 5 });
    const again = await placeOrder(stack, c.token, oneOf(p.id), { idempotencyKey: key });
    expect([again.status, again.body]).toEqual([409, first.body]);
    expectProblem(
      await placeOrder(stack, c.token, oneOf(p.id, 2), { idempotencyKey: key }),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );
    expect(await stockOf(stack, p.id)).toBe(5);
  });
});

describe('the read model follows every transition', () => {
  it('writes status, payment and timestamps to the row at each step', async () => {
    const c = await stack.customer();
    const p = await createProduct(stack, { stock: 1 });
    const placed = await placeOrder(stack, c.token, oneOf(p.id));
    const paid = await waitForOrder(stack, c.token, placed.body.id, (o) => o.status === 'PAID');
    const row = await stack.workerDeps.dataSource.getRepository(OrderEntity).findOneByOrFail({ id: placed.body.id });
    expect([row.status, row.paymentStatus, row.chargeId, row.paymentMethod, row.requestHash]).toEqual([
      'PAID',
      'SUCCEEDED',
      paid.payment!.chargeId,
      'pm_card_visa',
      null,
    ]);
    expect(row.updatedAt.getTime()).toBeGreaterThanOrEqual(row.createdAt.getTime());
  });
});

describe('the OpenAPI document', () => {
  it('is valid and documents every orders operation the router serves', async () => {
    await SwaggerParser.validate(JSON.parse(JSON.stringify(doc)));
    const served = (await stack.request('GET', '/api/openapi.json')).body;
    expect(Object.keys(served.paths['/api/orders']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(served.paths['/api/orders/{id}'])).toEqual(['get']);
    expect(Object.keys(served.paths['/api/orders/{id}/cancel'])).toEqual(['put']);
    expect(Object.keys(served.paths['/api/orders/{id}/ship'])).toEqual(['put']);
  });
});
