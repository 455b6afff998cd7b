// The abandoned-cart reminder, handed to the notifications domain from the orders pool (where
// the cart runs) as a sendEmail workflow under a deterministic ID per cart content: a retried
// hand-off, or a replayed cart, starts it at most once.
import { Context } from '@temporalio/activity';
import type { CartReminderInput } from '../../workflows/carts/contract';
import { startEmailWorkflow } from '../notifications/email-start';

export function createCartReminderActivities() {
  return {
    async startCartReminder(input: CartReminderInput): Promise<void> {
      await startEmailWorkflow(Context.current().client, {
        userId: input.userId,
        template: 'cart-reminder',
        contentKey: input.contentKey,
        data: { lines: input.lines, units: input.units },
      });
    },
  };
}

export type CartReminderActivities = ReturnType<typeof createCartReminderActivities>;
