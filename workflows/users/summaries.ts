// The users domain's Web UI text: the summary of registerUser.
import { type DomainSummaries, shortId } from '../shared/summary-text';

export const userSummaries: DomainSummaries = {
  workflows: {
    registerUser: ({ str }) => {
      const userId = str('userId');
      return userId ? `Register customer ${shortId(userId)}` : 'Register customer';
    },
  },
};
