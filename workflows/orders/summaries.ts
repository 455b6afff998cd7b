// The orders domain's Web UI text: summaries of placeOrder and of the steps it schedules, and the
// words for each order status in a workflow's current details.
import { type DomainSummaries, money, plural, shortId } from '../shared/summary-text';
import type { OrderStatus } from './contract';

const amountOr = (verb: string, { input, step }: { input: Record<string, unknown>; step: string }) => {
  const amount = money(input.amountCents, input.currency);
  return amount ? `${verb} ${amount}` : step;
};

export const orderSummaries: DomainSummaries = {
  activities: {
    chargePayment: (s) => amountOr('Charge', s),
    refundPayment: (s) => amountOr('Refund', s),
    recordTransition: ({ input, step }) =>
      typeof input.from === 'string' && typeof input.to === 'string' ? `Record ${input.from} → ${input.to}` : step,
    startOrderEmail: ({ input, step }) =>
      typeof input.template === 'string' ? `Send "${input.template}" e-mail` : step,
  },
  workflows: {
    placeOrder: ({ input, str }) => {
      const orderId = str('orderId');
      const userId = str('userId');
      const lines = Array.isArray(input.lines) ? input.lines : Array.isArray(input.items) ? input.items : undefined;
      const parts = [`Order ${orderId ? shortId(orderId) : ''}`.trim()];
      if (lines) parts.push(plural(lines.length, 'line'));
      if (userId) parts.push(`customer ${shortId(userId)}`);
      return parts.join(' · ');
    },
  },
};

/** The current details' first line for a workflow whose OrderStatus search attribute is set. */
export const orderStatusWords: Readonly<Record<OrderStatus, string>> = {
  PENDING: 'Pending: priced and stock reserved, taking payment',
  PAID: 'Paid: waiting to be shipped or cancelled',
  SHIPPED: 'Shipped: order complete',
  CANCELLED: 'Cancelled: stock released, refunded if it was paid',
  FAILED: 'Failed: stock released, customer notified',
};
