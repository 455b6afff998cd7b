// What became of a pending checkout's order, for the cart (a local activity of the orders pool,
// where the cart runs) once the checkout has outlived its deadline: the gateway that was placing
// it died, or never got that far. The order row exists once the order is accepted; a run still
// open without a row is still being priced and reserved; no run, or a run closed without a row,
// is an order that was never placed or was refused. Read-only, so retries are free.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { OrderEntity } from '../../db/entities';
import { onPrimary } from '../../db/replication';
import type { CheckoutOrderState, CheckoutOrderStateInput } from '../../workflows/carts/contract';
import { orderWorkflowId } from '../../workflows/orders/contract';

export function createCartCheckoutActivities({ dataSource }: { dataSource: DataSource }) {
  return {
    async checkoutOrderState({ orderId }: CheckoutOrderStateInput): Promise<CheckoutOrderState> {
      // The run first, then the row: a run that closes writes its row before, so a closed (or
      // absent) run without a row after it is no accepted order.
      let running = false;
      try {
        const run = await Context.current().client.workflow.getHandle(orderWorkflowId(orderId)).describe();
        running = run.status.name === 'RUNNING';
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      const row = await onPrimary(dataSource, (em) => em.getRepository(OrderEntity).findOneBy({ id: orderId }));
      if (row) return 'ACCEPTED';
      return running ? 'PLACING' : 'NONE';
    },
  };
}

export type CartCheckoutActivities = ReturnType<typeof createCartCheckoutActivities>;
