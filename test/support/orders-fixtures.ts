// Helpers for the orders tests: products straight into the catalog table (fast, and
// independent of the catalog admin API), order placement over HTTP, and polling helpers.
import { PaymentEntity, ProductEntity, StockReservationEntity } from '../../db/entities';
import type { OrderView } from '../../workflows/orders/contract';
import { orderWorkflowId } from '../../workflows/orders/contract';
import { type ProductFields, insertProduct } from './catalog-fixtures';
import type { HttpResponse, Stack } from './stack';

/** A valid shipping address (checkout requires one). */
export const SHIPPING_ADDRESS = {
  name: 'Ada Lovelace',
  line1: '12 St James Square',
  city: 'London',
  postalCode: 'SW1Y 4JH',
  country: 'GB',
};

export function createProduct(stack: Stack, fields: ProductFields): Promise<ProductEntity> {
  return insertProduct(stack.workerDeps.dataSource, fields);
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
