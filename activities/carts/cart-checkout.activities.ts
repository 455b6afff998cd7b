// What became of a pending checkout's order, for the cart (a local activity of the orders pool,
// where the cart runs) once the checkout has outlived its deadline: the gateway that was placing
// it died, or never got that far. The order row exists once the order is accepted; a run still
// open without a row is still being priced and reserved; no run, or a run closed without a row,
// is an order that was never placed or was refused. An order under that ID for another customer
// or other lines (a key reused long after the cart forgot it) is not this checkout's: NONE, so
// the cart never drops lines for an order that did not take them; so is one whose run names another
// checkout of the same key in its memo (an older order of the key, with the same lines), or whose
// run is gone while its row stays (older than any pending checkout). Read-only, so retries are free.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { OrderEntity } from '../../db/entities';
import { onPrimary } from '../../db/replication';
import type { CartLine, CheckoutOrderState, CheckoutOrderStateInput } from '../../workflows/carts/contract';
import { CHECKOUT_TOKEN_MEMO, orderWorkflowId } from '../../workflows/orders/contract';

export function createCartCheckoutActivities({ dataSource }: { dataSource: DataSource }) {
  return {
    async checkoutOrderState({
      orderId,
      userId,
      lines,
      checkoutToken,
    }: CheckoutOrderStateInput): Promise<CheckoutOrderState> {
      // The run first, then the row: a run that closes writes its row before, so a closed (or
      // absent) run without a row after it is no accepted order.
      let running = false;
      /** The checkout the order's run was started for (its memo), null when there is no run. */
      let placedFor: unknown = null;
      try {
        const run = await Context.current().client.workflow.getHandle(orderWorkflowId(orderId)).describe();
        running = run.status.name === 'RUNNING';
        placedFor = run.memo?.[CHECKOUT_TOKEN_MEMO];
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      const row = await onPrimary(dataSource, (em) =>
        em.getRepository(OrderEntity).findOne({ where: { id: orderId }, relations: { items: true } }),
      );
      if (row) {
        // A run from a gateway that passed no token (older, or a direct place) falls back to the lines.
        if (checkoutToken !== undefined && placedFor !== undefined && placedFor !== checkoutToken) return 'NONE';
        const ours =
          (userId === undefined || row.userId === userId) &&
          (lines === undefined ||
            unitsOf(lines) === unitsOf(row.items.map((i) => ({ productId: i.productId, quantity: i.quantity }))));
        return ours ? 'ACCEPTED' : 'NONE';
      }
      return running ? 'PLACING' : 'NONE';
    },
  };
}

/** The lines as one canonical text: units per product, sorted (line order and splits do not matter). */
function unitsOf(lines: CartLine[]): string {
  const units = new Map<string, number>();
  for (const l of lines) units.set(l.productId.toLowerCase(), (units.get(l.productId.toLowerCase()) ?? 0) + l.quantity);
  return JSON.stringify([...units].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export type CartCheckoutActivities = ReturnType<typeof createCartCheckoutActivities>;
