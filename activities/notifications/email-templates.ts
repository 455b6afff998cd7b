// Pure rendering of the shop's e-mails: template + recipient + data → subject and body.
import { toPlainText } from '../../common/plain-text';
import type { EmailTemplate } from '../../workflows/notifications/contract';
import type { ShippingAddress } from '../../workflows/orders/contract';

export interface RenderedEmail {
  subject: string;
  text: string;
}

const money = (cents: unknown, currency: unknown) =>
  typeof cents === 'number' ? `${(cents / 100).toFixed(2)} ${typeof currency === 'string' ? currency : ''}`.trim() : '';

/** One line per address part, as plain text (the parts come from the customer). */
export const formatAddress = (a: ShippingAddress): string =>
  [a.name, a.line1, a.line2, [a.postalCode, a.city].join(' '), a.region, a.country]
    .filter((part): part is string => Boolean(part))
    .map((part) => `  ${toPlainText(part)}`)
    .join('\n');

export function renderEmail(
  template: EmailTemplate,
  recipientName: string,
  data: Record<string, string | number | null>,
  extra: { shippingAddress?: ShippingAddress } = {},
): RenderedEmail {
  const hello = `Hello ${toPlainText(recipientName)},`;
  const shipsTo = extra.shippingAddress ? `\nIt ships to:\n${formatAddress(extra.shippingAddress)}\n` : '';
  switch (template) {
    case 'welcome':
      return { subject: 'Welcome to Temporal Shop', text: `${hello}\n\nyour account is ready. Happy shopping!\n` };
    case 'order-paid':
      return {
        subject: `Order ${data.orderId} confirmed`,
        text: `${hello}\n\nwe received your payment of ${money(data.totalCents, data.currency)} for order ${data.orderId}. We will let you know when it ships.\n${shipsTo}`,
      };
    case 'order-cancelled':
      return {
        subject: `Order ${data.orderId} cancelled`,
        text: `${hello}\n\norder ${data.orderId} was cancelled.${data.refunded ? ` ${money(data.totalCents, data.currency)} has been refunded.` : ''}\n`,
      };
    case 'order-failed':
      return {
        subject: `Order ${data.orderId} could not be completed`,
        text: `${hello}\n\nwe could not complete order ${data.orderId} (${data.reason ?? 'unknown reason'}). You have not been charged.\n`,
      };
    case 'cart-reminder':
      return {
        subject: 'Your cart is waiting',
        text: `${hello}\n\nyou left ${data.units ?? 'some'} item(s) in your cart. They are still there when you come back.\n`,
      };
    case 'webhook-disabled': {
      const url = typeof data.url === 'string' ? toPlainText(data.url) : 'a webhook endpoint';
      const last =
        typeof data.lastStatusCode === 'number' ? ` (last answer: HTTP ${data.lastStatusCode})` : ' (no answer)';
      return {
        subject: `Webhook endpoint disabled: ${url}`,
        text:
          `${hello}\n\nthe shop disabled the webhook endpoint ${url} (ID ${data.endpointId}): delivery ${data.deliveryId} ` +
          `failed ${data.attempts ?? 'every'} attempt(s) of its retry schedule${last}. No further events are sent to it.\n\n` +
          `Once the receiver works again, re-enable it with PATCH /api/webhooks/${data.endpointId} {"enabled": true} and ` +
          `re-run failed deliveries with POST /api/webhooks/${data.endpointId}/deliveries/<deliveryId>/retry.\n`,
      };
    }
  }
}
