// /api/cart: the caller's own cart (the user ID comes from the token, never from the request, so
// no request can name another customer's cart). Customers only: an admin account has no cart.
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { withShippingAddress } from '../../db/shipping-addresses';
import type { ApiDeps, ShopState } from '../context';
import { authenticate } from '../middleware/auth';
import { parseBody, parseParams } from '../middleware/validate';
import { parseIdempotencyKey } from '../shared/idempotency-key';
import { refusesSandboxMethod } from '../orders/orders.input';
import { badRequest, forbidden } from '../problem';
import { cartCommands } from './carts.commands';
import { cartItemParams, checkoutSchema, setCartItemSchema } from './carts.input';

const customersOnly: Middleware<ShopState> = async (ctx, next) => {
  if (ctx.state.user?.role !== 'customer') throw forbidden('Only customer accounts have a cart');
  return next();
};

export function cartsRouter(deps: ApiDeps): Router<ShopState> {
  const router = new Router<ShopState>({ prefix: '/api/cart' });
  const commands = cartCommands(deps);
  const auth = authenticate(deps.tokens, { required: true });

  router.get('/', auth, customersOnly, async (ctx) => {
    ctx.body = await commands.view(await commands.read(ctx.state.user!.sub));
  });

  router.put('/items/:productId', auth, customersOnly, async (ctx) => {
    const { productId } = parseParams(ctx, cartItemParams);
    const { quantity } = parseBody(ctx, setCartItemSchema);
    ctx.body = await commands.view(await commands.setItem(ctx.state.user!.sub, productId, quantity));
  });

  router.delete('/items/:productId', auth, customersOnly, async (ctx) => {
    const { productId } = parseParams(ctx, cartItemParams);
    ctx.body = await commands.view(await commands.setItem(ctx.state.user!.sub, productId, 0));
  });

  router.delete('/', auth, customersOnly, async (ctx) => {
    ctx.body = await commands.view(await commands.clear(ctx.state.user!.sub));
  });

  router.post('/checkout', auth, customersOnly, async (ctx) => {
    const request = parseBody(ctx, checkoutSchema);
    if (refusesSandboxMethod(deps.config, request.paymentMethod))
      throw badRequest(`paymentMethod: ${request.paymentMethod} is a sandbox test behaviour, not accepted here`);
    const idempotencyKey = parseIdempotencyKey(ctx.get('Idempotency-Key') || undefined);
    const outcome = await commands.checkout({
      userId: ctx.state.user!.sub,
      requestId: ctx.state.requestId,
      paymentMethod: request.paymentMethod,
      shippingAddress: request.shippingAddress,
      idempotencyKey,
    });
    // Only from a cart worker that predates pending checkouts (no order ID held by the cart):
    // otherwise a checkout past the route deadline is 503 STILL_PROCESSING, and its repeat joins it.
    if ('accepted' in outcome) {
      ctx.status = 202;
      ctx.set('Location', `/api/orders/${outcome.accepted.id}`);
      ctx.body = outcome.accepted;
      return;
    }
    ctx.status = 201;
    ctx.set('Location', `/api/orders/${outcome.order.id}`);
    if (idempotencyKey) ctx.set('Idempotent-Replayed', String(outcome.replayed));
    ctx.body = await withShippingAddress(deps.dataSource, outcome.order);
  });

  return router;
}
