// /api/orders: place (update-with-start of placeOrder), read (the order rows), cancel and ship
// (updates of the order's workflow). Owners see their own orders, admins all; another user's
// order answers 404, exactly like a missing one, so order IDs cannot be probed.
import Router from '@koa/router';
import { z } from 'zod';
import { toOrderView } from '../../db/views';
import { DEFAULT_PAYMENT_METHOD, ORDER_STATUSES, PAYMENT_METHODS } from '../../workflows/orders/contract';
import type { ApiDeps, ShopContext, ShopState } from '../context';
import { authenticate, requireAdmin } from '../middleware/auth';
import { parseParams, parseQuery } from '../middleware/validate';
import { forbidden, notFound, badRequest } from '../problem';
import { parseIdempotencyKey } from '../orders/idempotency';
import { orderCommands } from '../orders/order-commands';
import { findOrder, listOrders } from '../orders/order-queries';

const paymentMethods = Object.values(PAYMENT_METHODS) as [string, ...string[]];
const uuid = z
  .string()
  .uuid('must be a UUID')
  .transform((s) => s.toLowerCase());

// Unknown fields (a price, a total...) are dropped: prices come from the catalog only.
export const placeOrderSchema = z.object({
  items: z
    .array(z.object({ productId: uuid, quantity: z.number().int().min(1).max(100) }))
    .min(1)
    .max(50),
  paymentMethod: z.enum(paymentMethods).default(DEFAULT_PAYMENT_METHOD),
});
export const cancelOrderSchema = z.object({ reason: z.string().trim().min(1).max(200).optional() });
const listSchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(200).optional(),
  userId: uuid.optional(),
  status: z.enum(ORDER_STATUSES).optional(),
});
const idParams = z.object({ id: uuid });

/** A JSON object body, or {} when the request has none (cancel takes an optional body). */
function optionalBody<S extends z.ZodTypeAny>(ctx: ShopContext, schema: S): z.infer<S> {
  const body = (ctx.request as { body?: unknown }).body;
  if (
    body === undefined ||
    body === null ||
    (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0)
  )
    return schema.parse({});
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('The request body must be a JSON object');
  return schema.parse(body);
}

function requiredBody<S extends z.ZodTypeAny>(ctx: ShopContext, schema: S): z.infer<S> {
  const body = (ctx.request as { body?: unknown }).body;
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body))
    throw badRequest('The request body must be a JSON object');
  return schema.parse(body);
}

export function ordersRouter(deps: ApiDeps): Router<ShopState> {
  const router = new Router<ShopState>({ prefix: '/api/orders' });
  const commands = orderCommands(deps);
  const auth = authenticate(deps.tokens, { required: true });

  /** The order if the caller may see it (owner or admin); 404 otherwise. */
  async function visibleOrder(ctx: ShopContext, id: string, opts: { primary?: boolean } = {}) {
    const me = ctx.state.user!;
    const row = await findOrder(deps.dataSource, id, opts);
    if (!row || (me.role !== 'admin' && row.userId !== me.sub)) throw notFound('Order');
    return row;
  }

  router.post('/', auth, async (ctx) => {
    const request = requiredBody(ctx, placeOrderSchema);
    const idempotencyKey = parseIdempotencyKey(ctx.get('Idempotency-Key') || undefined);
    const { order, replayed } = await commands.place({
      userId: ctx.state.user!.sub,
      requestId: ctx.state.requestId,
      request,
      idempotencyKey,
    });
    ctx.status = 201;
    ctx.set('Location', `/api/orders/${order.id}`);
    if (idempotencyKey) ctx.set('Idempotent-Replayed', String(replayed));
    ctx.body = order;
  });

  router.get('/', auth, async (ctx) => {
    const q = parseQuery(ctx, listSchema);
    const me = ctx.state.user!;
    if (me.role !== 'admin' && q.userId && q.userId !== me.sub) throw forbidden('You may only list your own orders');
    const { rows, nextCursor } = await listOrders(deps.dataSource, {
      ...q,
      userId: me.role === 'admin' ? q.userId : me.sub,
    });
    ctx.body = { items: rows.map(toOrderView), nextCursor };
  });

  router.get('/:id', auth, async (ctx) => {
    const { id } = parseParams(ctx, idParams);
    ctx.body = toOrderView(await visibleOrder(ctx, id));
  });

  router.put('/:id/cancel', auth, async (ctx) => {
    const { id } = parseParams(ctx, idParams);
    const { reason } = optionalBody(ctx, cancelOrderSchema);
    const row = await visibleOrder(ctx, id, { primary: true });
    const actor = ctx.state.user!.role === 'admin' ? 'admin' : 'customer';
    ctx.body = await commands.cancel(row, { actor, ...(reason ? { reason } : {}) });
  });

  router.put('/:id/ship', auth, requireAdmin(), async (ctx) => {
    const { id } = parseParams(ctx, idParams);
    const row = await visibleOrder(ctx, id, { primary: true });
    ctx.body = await commands.ship(row);
  });

  return router;
}
