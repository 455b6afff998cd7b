// /api/orders: place (update-with-start of placeOrder), read (the order rows), cancel and ship
// (updates of the order's workflow). Owners see their own orders, admins all; another user's
// order answers 404, exactly like a missing one, so order IDs cannot be probed.
import Router from '@koa/router';
import { shippingAddressesOf, withShippingAddress } from '../../db/shipping-addresses';
import { toOrderView } from '../../db/views';
import type { ApiDeps, ShopContext, ShopState } from '../context';
import { authenticate, requireAdmin } from '../middleware/auth';
import { parseBody, parseParams, parseQuery } from '../middleware/validate';
import { ProblemError, badRequest, forbidden, notFound } from '../problem';
import { idParams } from '../shared/id-params';
import { parseIdempotencyKey } from '../shared/idempotency-key';
import { orderCommands } from './orders.commands';
import { cancelOrderSchema, listOrdersSchema, placeOrderSchema, refusesSandboxMethod } from './orders.input';
import { findOrder, listOrders } from './orders.queries';

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
    const request = parseBody(ctx, placeOrderSchema);
    if (refusesSandboxMethod(deps.config, request.paymentMethod))
      throw badRequest(`paymentMethod: ${request.paymentMethod} is a sandbox test behaviour, not accepted here`);
    const idempotencyKey = parseIdempotencyKey(ctx.get('Idempotency-Key') || undefined);
    const outcome = await commands.place({
      userId: ctx.state.user!.sub,
      requestId: ctx.state.requestId,
      request,
      idempotencyKey,
    });
    if ('accepted' in outcome) {
      ctx.status = 202;
      ctx.set('Location', `/api/orders/${outcome.accepted.id}`);
      ctx.body = outcome.accepted;
      return;
    }
    const { order, replayed } = outcome;
    ctx.status = 201;
    ctx.set('Location', `/api/orders/${order.id}`);
    if (idempotencyKey) ctx.set('Idempotent-Replayed', String(replayed));
    ctx.body = await withShippingAddress(deps.dataSource, order);
  });

  router.get('/', auth, async (ctx) => {
    const q = parseQuery(ctx, listOrdersSchema);
    const me = ctx.state.user!;
    if (me.role !== 'admin' && q.userId && q.userId !== me.sub) throw forbidden('You may only list your own orders');
    const { rows, nextCursor } = await listOrders(deps.dataSource, {
      ...q,
      userId: me.role === 'admin' ? q.userId : me.sub,
    });
    const addresses = await shippingAddressesOf(
      deps.dataSource,
      rows.map((r) => r.id),
    );
    ctx.body = {
      items: rows.map((r) => {
        const view = toOrderView(r);
        const shippingAddress = addresses.get(r.id);
        return shippingAddress ? { ...view, shippingAddress } : view;
      }),
      nextCursor,
    };
  });

  router.get('/:id', auth, async (ctx) => {
    const { id } = parseParams(ctx, idParams);
    const me = ctx.state.user!;
    const row = await findOrder(deps.dataSource, id);
    if (row && (me.role === 'admin' || row.userId === me.sub)) {
      ctx.body = await withShippingAddress(deps.dataSource, toOrderView(row));
      return;
    }
    // No row: an order accepted with 202 may still be in intake, or have been refused there.
    const placing = row ? undefined : await commands.placing(id, me);
    if (placing && 'accepted' in placing) {
      ctx.status = 202;
      ctx.set('Retry-After', '2');
      ctx.body = placing.accepted;
      return;
    }
    if (placing)
      throw new ProblemError(
        404,
        'ORDER_NOT_PLACED',
        'Not found',
        `The order was not placed: ${placing.refused.message}`,
        {
          reason: placing.refused.type,
        },
      );
    // A lagging replica may not have the row yet.
    ctx.body = await withShippingAddress(deps.dataSource, toOrderView(await visibleOrder(ctx, id, { primary: true })));
  });

  router.put('/:id/cancel', auth, async (ctx) => {
    const { id } = parseParams(ctx, idParams);
    const { reason } = parseBody(ctx, cancelOrderSchema, { optional: true });
    const row = await visibleOrder(ctx, id, { primary: true });
    const me = ctx.state.user!;
    const who = me.role === 'admin' ? { actor: 'admin' as const } : { actor: 'customer' as const, customerId: me.sub };
    ctx.body = await withShippingAddress(
      deps.dataSource,
      await commands.cancel(row, { ...who, ...(reason ? { reason } : {}) }),
    );
  });

  router.put('/:id/ship', auth, requireAdmin(), async (ctx) => {
    const { id } = parseParams(ctx, idParams);
    const row = await visibleOrder(ctx, id, { primary: true });
    ctx.body = await withShippingAddress(deps.dataSource, await commands.ship(row));
  });

  return router;
}
