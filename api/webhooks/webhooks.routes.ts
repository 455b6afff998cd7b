// /api/webhooks (admin only): register, list, read, change and delete webhook endpoints, list an
// endpoint's deliveries and re-run a failed one. The signing secret is answered once, by the POST
// that created the endpoint. See docs/events.md#webhooks for what a receiver gets.
import Router from '@koa/router';
import type { ApiDeps, ShopState } from '../context';
import { authenticate, requireAdmin } from '../middleware/auth';
import { parseBody, parseParams, parseQuery } from '../middleware/validate';
import { notFound } from '../problem';
import { idParams } from '../shared/id-params';
import { webhookCommands } from './webhooks.commands';
import {
  createWebhookSchema,
  deliveryParams,
  LIST_LIMIT_DEFAULT,
  listQuery,
  updateWebhookSchema,
} from './webhooks.input';
import { findWebhook, listDeliveries, listWebhooks } from './webhooks.queries';

export function webhooksRouter(deps: ApiDeps): Router<ShopState> {
  const router = new Router<ShopState>({ prefix: '/api/webhooks' });
  const commands = webhookCommands(deps);
  // On every route itself, not router.use(): a use() layer matches its path case-sensitively,
  // while the routes match any spelling (/Api/webhooks), which would skip the check.
  const adminOnly = [authenticate(deps.tokens, { required: true }), requireAdmin()] as const;

  router.post('/', ...adminOnly, async (ctx) => {
    const fields = parseBody(ctx, createWebhookSchema);
    const created = await commands.create(fields, ctx.state.user!.sub);
    ctx.state.log.info({ webhookId: created.id, events: created.events }, 'webhook endpoint registered');
    ctx.status = 201;
    ctx.set('Location', `/api/webhooks/${created.id}`);
    ctx.set('Cache-Control', 'no-store'); // it carries the secret
    ctx.body = created;
  });

  router.get('/', ...adminOnly, async (ctx) => {
    const q = parseQuery(ctx, listQuery);
    ctx.body = await listWebhooks(deps.dataSource, { limit: q.limit ?? LIST_LIMIT_DEFAULT, after: q.cursor });
  });

  router.get('/:id', ...adminOnly, async (ctx) => {
    const { id } = parseParams(ctx, idParams);
    const found = await findWebhook(deps.dataSource, id);
    if (!found) throw notFound('Webhook');
    ctx.body = found;
  });

  router.patch('/:id', ...adminOnly, async (ctx) => {
    const { id } = parseParams(ctx, idParams);
    const patch = parseBody(ctx, updateWebhookSchema);
    ctx.body = await commands.update(id, patch);
  });

  router.delete('/:id', ...adminOnly, async (ctx) => {
    const { id } = parseParams(ctx, idParams);
    await commands.remove(id);
    ctx.status = 204;
  });

  router.get('/:id/deliveries', ...adminOnly, async (ctx) => {
    const { id } = parseParams(ctx, idParams);
    const q = parseQuery(ctx, listQuery);
    if (!(await findWebhook(deps.dataSource, id))) throw notFound('Webhook');
    ctx.body = await listDeliveries(deps.dataSource, id, { limit: q.limit ?? LIST_LIMIT_DEFAULT, after: q.cursor });
  });

  router.post('/:id/deliveries/:deliveryId/retry', ...adminOnly, async (ctx) => {
    const { id, deliveryId } = parseParams(ctx, deliveryParams);
    ctx.status = 202;
    ctx.body = await commands.retry(id, deliveryId);
  });

  return router;
}
