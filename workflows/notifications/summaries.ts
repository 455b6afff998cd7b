// The notifications domain's Web UI text: summaries of sendEmail and its delivery step.
import { type DomainSummaries, shortId } from '../shared/summary-text';

export const notificationSummaries: DomainSummaries = {
  activities: {
    deliverEmail: ({ input, step }) =>
      typeof input.template === 'string' ? `Deliver "${input.template}" e-mail` : step,
  },
  workflows: {
    sendEmail: ({ str }) => {
      const template = str('template');
      const userId = str('userId');
      return [`Send ${template ? `"${template}" ` : ''}e-mail`, userId ? `to user ${shortId(userId)}` : '']
        .filter(Boolean)
        .join(' ');
    },
  },
};
