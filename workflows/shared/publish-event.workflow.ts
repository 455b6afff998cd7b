// publishIntegrationEvent: the durable publication of one integration event, started (ABANDON)
// by the workflow that made the state change; on that workflow's task queue, so each domain
// publishes its own events. Completes once the broker (or events.jsonl) has confirmed.
import type { PublishEventInput, PublishEventResult } from './events';
import { publishEvent } from './event-publication';

export async function publishIntegrationEvent(input: PublishEventInput): Promise<PublishEventResult> {
  return await publishEvent(input);
}
