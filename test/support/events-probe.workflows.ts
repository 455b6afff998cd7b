// Probe workflow for test/integration/events-rabbitmq.test.ts: publishes events through the
// publishEvent activity with the options the domain workflows are to use, one after the other
// (in order per entity), so the test can watch the retry policy ride out a broker outage.
import { proxyActivities } from '@temporalio/workflow';
import type { EventActivities } from '../../activities/events/event.activities';
import {
  PUBLISH_EVENT_ACTIVITY_OPTIONS,
  type PublishEventInput,
  type PublishEventResult,
} from '../../workflows/shared/events';

const { publishEvent } = proxyActivities<EventActivities>(PUBLISH_EVENT_ACTIVITY_OPTIONS);

export async function probePublishEvents(events: PublishEventInput[]): Promise<PublishEventResult[]> {
  const results: PublishEventResult[] = [];
  for (const event of events) results.push(await publishEvent(event));
  return results;
}
