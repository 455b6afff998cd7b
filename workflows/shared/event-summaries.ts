// The Web UI's text for integration events: the publishEvent activity (every domain's) and the
// publishIntegrationEvent child, as `Publish order.paid #2` (name and sequence: no personal data).
import { SHOP_EVENT_NAMES } from './events';
import type { DomainSummaries, SummarySource } from './summary-text';

const publishing = ({ input, step }: SummarySource): string => {
  const name = input.name;
  const sequence = input.sequence;
  if (typeof name !== 'string' || !(SHOP_EVENT_NAMES as readonly string[]).includes(name)) return step;
  return typeof sequence === 'number' ? `Publish ${name} #${sequence}` : `Publish ${name}`;
};

export const eventSummaries: DomainSummaries = {
  activities: { publishEvent: publishing },
  workflows: { publishIntegrationEvent: publishing },
};
