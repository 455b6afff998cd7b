// Activities of the lean placeOrder experiment, built from the shop's real ones:
//  - priceAndReserve (catalog pool in a real change): priceLines then reserveStock, the same
//    code, in one activity, so intake costs one round trip through the server instead of two;
//  - recordTransitionAndNotify (a local activity of the orders pool): the real recordTransition,
//    then the order e-mail workflow started from here with its deterministic ID, instead of a
//    child workflow (no child events and no extra workflow tasks in the order's history).
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import type { createStockActivities } from '../../../activities/catalog/stock.activities';
import type { createOrderActivities } from '../../../activities/orders/order.activities';
import type { OrderLine, PriceLinesResult } from '../../../workflows/catalog/contract';
import { type EmailTemplate, NOTIFICATIONS_TASK_QUEUE, orderEmailKey, orderEmailWorkflowId } from '../../../workflows/notifications/contract';
import type { OrderTransition, OrderView } from '../../../workflows/orders/contract';

export interface LeanDeps {
  dataSource: DataSource;
  stock: ReturnType<typeof createStockActivities>;
  orders: ReturnType<typeof createOrderActivities>;
}

export function createLeanActivities({ stock, orders }: LeanDeps) {
  return {
    async priceAndReserve(input: { orderId: string; lines: OrderLine[] }): Promise<PriceLinesResult> {
      const priced = await stock.priceLines(input.lines);
      await stock.reserveStock({ orderId: input.orderId, lines: priced.lines.map(({ productId, quantity }) => ({ productId, quantity })) });
      return priced;
    },

    async recordTransitionAndNotify(input: { transition: OrderTransition; email?: { template: EmailTemplate; userId: string; data: Record<string, string | number | null> } }): Promise<OrderView> {
      const order = await orders.recordTransition(input.transition);
      if (input.email) {
        const { template, userId, data } = input.email;
        const orderId = input.transition.orderId;
        try {
          await Context.current().client.workflow.start('sendEmail', {
            workflowId: orderEmailWorkflowId(orderId, template),
            taskQueue: NOTIFICATIONS_TASK_QUEUE,
            // A retried activity must not send twice, even after the e-mail workflow has closed.
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            args: [{ messageKey: orderEmailKey(orderId, template), template, userId, data: { orderId, totalCents: order.totalCents, currency: order.currency, ...data } }],
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
      }
      return order;
    },
  };
}

export type LeanActivities = ReturnType<typeof createLeanActivities>;
