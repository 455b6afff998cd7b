// publishEvent: the one activity every domain's workflows publish through, right after the state
// change it reports (the workflow history is the outbox: a crash between the change and the
// publish retries the publish). The event is built here from the workflow's input, so every
// attempt sends the same document under the same ID. Idempotent per event ID within this
// process (concurrent calls share one publish; an ID already confirmed is not sent again);
// across processes and after a lost confirm the broker may hold a duplicate with the same ID,
// which consumers drop. Call it with PUBLISH_EVENT_ACTIVITY_OPTIONS (retries until confirmed).
import { ApplicationFailure } from '@temporalio/activity';
import type { EventPublisher } from '../../common/events/publisher';
import { buildCloudEvent, InvalidEventError } from '../../common/events/envelope';
import type { PublishEventInput, PublishEventResult } from '../../workflows/shared/events';

export interface EventActivityDeps {
  publisher: EventPublisher;
  /** Confirmed IDs remembered per process (oldest forgotten first). */
  rememberConfirmed?: number;
}

export function createEventActivities({ publisher, rememberConfirmed = 10_000 }: EventActivityDeps) {
  const confirmed = new Set<string>();
  const inFlight = new Map<string, Promise<void>>();

  const remember = (id: string) => {
    confirmed.add(id);
    if (confirmed.size > rememberConfirmed) confirmed.delete(confirmed.values().next().value!);
  };

  return {
    async publishEvent(input: PublishEventInput): Promise<PublishEventResult> {
      let event;
      try {
        event = buildCloudEvent(input);
      } catch (err) {
        if (err instanceof InvalidEventError) throw ApplicationFailure.nonRetryable(err.message, err.type);
        throw err;
      }
      if (confirmed.has(event.id)) return { id: event.id, published: false };
      let pending = inFlight.get(event.id);
      if (!pending) {
        pending = publisher.publish(event).then(() => remember(event.id));
        inFlight.set(event.id, pending);
        void pending.finally(() => inFlight.delete(event.id)).catch(() => undefined);
      }
      await pending;
      return { id: event.id, published: true };
    },
  };
}

export type EventActivities = ReturnType<typeof createEventActivities>;
