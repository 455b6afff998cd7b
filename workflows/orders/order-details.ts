// The Web UI's current details of an order workflow: what the order is and what the process is
// doing with it, in a line an operator reads at a glance. Pure, so it is unit-tested directly.
import type { OrderRejection, OrderView } from './contract';
import type { OrderState } from './order-state';

export const DEFAULT_PAYMENT_TIMEOUT_MS = 15 * 60_000;

export interface OrderDetailsInput {
  /** The order row as last written; null for a request refused at intake. */
  order: OrderView | null;
  rejection: OrderRejection | null;
  state: OrderState;
  paymentMethod: string;
  paymentTimeoutMs: number;
}

export function describeOrder({ order, rejection, state, paymentMethod, paymentTimeoutMs }: OrderDetailsInput): string {
  if (!order) return `**REJECTED**: ${rejection?.type}: ${rejection?.message}`;
  const amount = `${(order.totalCents / 100).toFixed(2)} ${order.currency}`;
  const items = `${order.items.reduce((n, i) => n + i.quantity, 0)} unit(s) of ${order.items.length} product(s)`;
  return `**${order.status}** · ${amount} · ${items}\n\n${doing(order, state, paymentMethod, paymentTimeoutMs)}`;
}

function doing(order: OrderView, state: OrderState, paymentMethod: string, paymentTimeoutMs: number): string {
  if (state.action?.kind === 'cancel')
    return `cancelling (asked by ${state.action.request.actor}); refund and stock release in progress`;
  if (state.action?.kind === 'ship') return 'shipping';
  switch (order.status) {
    case 'PENDING':
      return `charging ${paymentMethod}; cancelled automatically if unpaid after ${Math.round(paymentTimeoutMs / 1000)} s`;
    case 'PAID':
      return 'waiting for shipOrder or cancelOrder';
    case 'SHIPPED':
      return 'shipped';
    case 'CANCELLED':
      return order.payment?.refundId ? `cancelled; refund ${order.payment.refundId}` : 'cancelled; nothing was charged';
    case 'FAILED':
      return `failed: ${order.failureReason ?? 'unknown'}`;
    default:
      return order.status;
  }
}
