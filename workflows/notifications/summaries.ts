// The notifications domain's Web UI text: summaries of sendEmail, deliverWebhook and their steps.
import { type DomainSummaries, shortId } from '../shared/summary-text';

export const notificationSummaries: DomainSummaries = {
  activities: {
    deliverEmail: ({ input, step }) =>
      typeof input.template === 'string' ? `Deliver "${input.template}" e-mail` : step,
    attemptWebhookDelivery: ({ str }) => {
      const deliveryId = str('deliveryId');
      return deliveryId ? `POST webhook delivery ${shortId(deliveryId)}` : 'POST webhook delivery';
    },
    disableWebhookEndpoint: ({ str }) => `Disable webhook endpoint${str('reason') ? ` (${str('reason')})` : ''}`,
  },
  workflows: {
    deliverWebhook: ({ str }) => {
      const endpointId = str('endpointId');
      const eventId = str('eventId');
      return [
        'Deliver webhook',
        eventId ? `event ${shortId(eventId)}` : '',
        endpointId ? `to endpoint ${shortId(endpointId)}` : '',
      ]
        .filter(Boolean)
        .join(' ');
    },
    sendEmail: ({ str }) => {
      const template = str('template');
      const userId = str('userId');
      return [`Send ${template ? `"${template}" ` : ''}e-mail`, userId ? `to user ${shortId(userId)}` : '']
        .filter(Boolean)
        .join(' ');
    },
  },
};
