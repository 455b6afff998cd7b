// Helpers for the orders tests: products straight into the catalog table (fast, and
// independent of the catalog admin API), order placement over HTTP, and polling helpers.
import { randomUUID } from 'node:crypto';
import { PaymentEntity, ProductEntity, StockReservationEntity } from '../../db/entities';
import type { OrderView } from '../../workflows/orders/contract';
import { orderWorkflowId } from '../../workflows/orders/contract';
import type { HttpResponse, Stack } from './stack';

export async function createProduct(
  stack: Stack,
  fields: { stock: number; priceCents?: number; name?: string; currency?: string },
): Promise<ProductEntity> {
  const now = new Date();
  const id = randomUUID();
  const product = Object.assign(new ProductEntity(), {
    id,
    sku: `SKU-${id.slice(0, 8)}`,
    name: fields.name ?? `Product ${id.slice(0, 8)}`,
    description: 'test product',
    priceCents: fields.priceCents ?? 1999,
    currency: fields.currency ?? 'USD',
    stock: fields.stock,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  });
  await stack.workerDeps.dataSource.getRepository(ProductEntity).insert(product);
  return product;
}

export async function stockOf(stack: Stack, productId: string): Promise<number> {
  return (await stack.workerDeps.dataSource.getRepository(ProductEntity).findOneByOrFail({ id: productId })).stock;
}

export async function paymentsOf(stack: Stack, orderId: string): Promise<PaymentEntity[]> {
  return stack.workerDeps.dataSource
    .getRepository(PaymentEntity)
    .find({ where: { orderId }, order: { createdAt: 'ASC' } });
}

export async function reservationsOf(stack: Stack, orderId: string): Promise<StockReservationEntity[]> {
  return stack.workerDeps.dataSource.getRepository(StockReservationEntity).findBy({ orderId });
}

export function placeOrder(
  stack: Stack,
  token: string,
  body: unknown,
  opts: { idempotencyKey?: string } = {},
): Promise<HttpResponse<OrderView & { code?: string; detail?: string; details?: any }>> {
  return stack.request('POST', '/api/orders', {
    token,
    body,
    headers: opts.idempotencyKey ? { 'Idempotency-Key': opts.idempotencyKey } : {},
  });
}

export const oneOf = (productId: string, quantity = 1, paymentMethod?: string) => ({
  items: [{ productId, quantity }],
  ...(paymentMethod ? { paymentMethod } : {}),
});

/** Polls GET /api/orders/:id until the predicate holds. */
export async function waitForOrder(
  stack: Stack,
  token: string,
  orderId: string,
  predicate: (o: OrderView) => boolean,
  timeoutMs = 30_000,
): Promise<OrderView> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const res = await stack.request<OrderView>('GET', `/api/orders/${orderId}`, { token });
    last = res.body;
    if (res.status === 200 && predicate(res.body)) return res.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `order ${orderId} did not reach the expected state within ${timeoutMs} ms; last: ${JSON.stringify(last)}`,
  );
}

export const waitForStatus = (
  stack: Stack,
  token: string,
  orderId: string,
  status: OrderView['status'],
  timeoutMs?: number,
) => waitForOrder(stack, token, orderId, (o) => o.status === status, timeoutMs);

/** Polls until fn returns a truthy value. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not hold within ${timeoutMs} ms`);
}

export const orderHandle = (stack: Stack, orderId: string) =>
  stack.api.temporal.workflow.getHandle(orderWorkflowId(orderId));
