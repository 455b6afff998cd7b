// The order guarantees (docs/architecture.md) as measured figures: no oversell under concurrent orders, and
// a repeated Idempotency-Key never creating a second order or a second charge, and an order
// e-mail never started twice.
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { In } from 'typeorm';
import { createOrderActivities } from '../../activities/orders/order.activities';
import { SandboxPaymentProvider } from '../../activities/orders/sandbox-payment-provider';
import { OrderEntity, OrderItemEntity, PaymentEntity, StockReservationEntity } from '../../db/entities';
import { orderEmailWorkflowId } from '../../workflows/notifications/contract';
import type { OrderView } from '../../workflows/orders/contract';
import {
  createProduct,
  oneOf,
  orderHandle,
  paymentsOf,
  placeOrder,
  stockOf,
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

it('40 concurrent one-unit orders from 8 customers against 10 units: exactly 10 PAID, 30 refused, stock 0, never negative', async () => {
  const customers = await Promise.all(Array.from({ length: 8 }, (_, i) => stack.customer(`Buyer ${i}`)));
  const p = await createProduct(stack, { stock: 10 });

  let minStock = Number.POSITIVE_INFINITY;
  let samples = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      minStock = Math.min(minStock, await stockOf(stack, p.id));
      samples++;
    }
  })();

  const responses = await Promise.all(
    Array.from({ length: 40 }, (_, i) => placeOrder(stack, customers[i % 8].token, oneOf(p.id))),
  );
  const accepted = responses.filter((r) => r.status === 201);
  const refused = responses.filter((r) => r.status === 409);
  expect(accepted).toHaveLength(10);
  expect(refused).toHaveLength(30);
  expect(refused.every((r) => r.body.code === 'OUT_OF_STOCK')).toBe(true);
  expect(accepted.every((r) => r.body.status === 'PENDING')).toBe(true);

  const tokenOf = new Map(customers.map((c) => [c.id, c.token]));
  const final = await Promise.all(
    accepted.map((r) => waitForStatus(stack, tokenOf.get(r.body.userId)!, r.body.id, 'PAID')),
  );
  sampling = false;
  await sampler;

  const ds = stack.workerDeps.dataSource;
  const orderIds = (await ds.getRepository(OrderItemEntity).findBy({ productId: p.id })).map((i) => i.orderId);
  const orders = await ds.getRepository(OrderEntity).findBy({ id: In(orderIds) });
  const charges = await ds
    .getRepository(PaymentEntity)
    .findBy({ orderId: In(orderIds), kind: 'charge', outcome: 'succeeded' });
  const held = await ds.getRepository(StockReservationEntity).findBy({ productId: p.id, status: 'RESERVED' });
  const figures = {
    accepted: accepted.length,
    refused409: refused.length,
    paid: final.filter((o) => o.status === 'PAID').length,
    orderRows: orders.length,
    charges: charges.length,
    stock: await stockOf(stack, p.id),
    minStockSeen: minStock,
    stockSamples: samples,
    unitsHeld: held.reduce((n, r) => n + r.quantity, 0),
  };
  console.log('oversell figures', JSON.stringify(figures));
  expect(figures).toMatchObject({
    accepted: 10,
    refused409: 30,
    paid: 10,
    orderRows: 10,
    charges: 10,
    stock: 0,
    unitsHeld: 10,
  });
  expect(new Set(charges.map((c) => c.orderId)).size).toBe(10);
  expect(minStock).toBeGreaterThanOrEqual(0);
  expect(samples).toBeGreaterThan(0);
}, 120_000);

it('20 repeats of one Idempotency-Key (10 concurrent, then 10 in sequence): one order, one charge, the same answer', async () => {
  const c = await stack.customer();
  const p = await createProduct(stack, { stock: 5 });
  const key = randomUUID();
  const body = oneOf(p.id, 2);

  const concurrent = await Promise.all(
    Array.from({ length: 10 }, () => placeOrder(stack, c.token, body, { idempotencyKey: key })),
  );
  const sequential = [];
  for (let i = 0; i < 10; i++) sequential.push(await placeOrder(stack, c.token, body, { idempotencyKey: key }));
  const all = [...concurrent, ...sequential];

  expect(all.map((r) => r.status)).toEqual(Array(20).fill(201));
  const first = all[0].body as OrderView;
  for (const r of all) {
    expect(r.body).toEqual(first);
    expect(r.headers.get('location')).toBe(`/api/orders/${first.id}`);
  }
  await waitForStatus(stack, c.token, first.id, 'PAID');

  const ds = stack.workerDeps.dataSource;
  const runs: string[] = [];
  for await (const wf of stack.api.temporal.workflow.list({ query: `WorkflowId = "order-${first.id}"` }))
    runs.push(wf.runId);
  const history = await orderHandle(stack, first.id).fetchHistory();
  const submitUpdates = history.events!.filter(
    (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'submitOrder',
  );
  const figures = {
    responses201: all.length,
    distinctOrderIds: new Set(all.map((r) => r.body.id)).size,
    orderRows: await ds.getRepository(OrderEntity).countBy({ userId: c.id }),
    charges: (await paymentsOf(stack, first.id)).filter((x) => x.kind === 'charge').length,
    workflowRuns: runs.length,
    submitUpdatesInHistory: submitUpdates.length,
    stock: await stockOf(stack, p.id),
  };
  console.log('idempotency figures', JSON.stringify(figures));
  expect(figures).toEqual({
    responses201: 20,
    distinctOrderIds: 1,
    orderRows: 1,
    charges: 1,
    workflowRuns: 1,
    submitUpdatesInHistory: 1,
    stock: 3,
  });
  await stack.smtp.waitFor((m) => m.to.includes(c.email) && m.header('Subject') === `Order ${first.id} confirmed`);
  await new Promise((r) => setTimeout(r, 300));
  expect(stack.smtp.to(c.email).filter((m) => m.header('Subject') === `Order ${first.id} confirmed`)).toHaveLength(1);
}, 60_000);

it('an order e-mail handed off again (a retried local activity) after it was sent starts nothing and sends nothing', async () => {
  const c = await stack.customer();
  const p = await createProduct(stack, { stock: 2 });
  const placed = await placeOrder(stack, c.token, oneOf(p.id));
  expect(placed.status).toBe(201);
  const order = placed.body as OrderView;
  await waitForStatus(stack, c.token, order.id, 'PAID');
  const subject = `Order ${order.id} confirmed`;
  await stack.smtp.waitFor((m) => m.to.includes(c.email) && m.header('Subject') === subject);
  const emailId = orderEmailWorkflowId(order.id, 'order-paid');
  await stack.api.temporal.workflow.getHandle(emailId).result();

  // The same hand-off as the workflow's, run again now that the e-mail workflow has closed.
  const acts = createOrderActivities({
    dataSource: stack.workerDeps.dataSource,
    provider: new SandboxPaymentProvider(stack.workerDeps.dataSource),
  });
  const env = new MockActivityEnvironment(undefined, { client: stack.api.temporal });
  await env.run(acts.startOrderEmail, {
    orderId: order.id,
    userId: c.id,
    template: 'order-paid' as const,
    data: { totalCents: order.totalCents, currency: order.currency },
  });

  const runs: string[] = [];
  for await (const wf of stack.api.temporal.workflow.list({ query: `WorkflowId = "${emailId}"` })) runs.push(wf.runId);
  await new Promise((r) => setTimeout(r, 300));
  expect({
    runs: runs.length,
    sent: stack.smtp.to(c.email).filter((m) => m.header('Subject') === subject).length,
  }).toEqual({ runs: 1, sent: 1 });
  await orderHandle(stack, order.id).executeUpdate('shipOrder', { args: [], updateId: 'ship' });
});
