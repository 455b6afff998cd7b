// The workflow side of publishing integration events: `publishEvent` on the caller's own task
// queue with PUBLISH_EVENT_ACTIVITY_OPTIONS (retried until the broker confirms), either from the
// entity's own long-running workflow (placeOrder keeps its events in one chain) or, for a
// workflow whose result is the HTTP answer (registerUser, the product writes, a rejected order),
// handed to an abandoned child so that a broker outage never delays that answer.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, WorkflowIdReusePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { EventActivities } from '../../activities/events/event.activities';
import {
  PUBLISH_EVENT_ACTIVITY_OPTIONS,
  PUBLISH_INTEGRATION_EVENT_WORKFLOW,
  type PublishEventInput,
  integrationEventWorkflowId,
} from './events';
import type { publishIntegrationEvent } from './publish-event.workflow';

export const { publishEvent } = proxyActivities<EventActivities>(PUBLISH_EVENT_ACTIVITY_OPTIONS);

/**
 * Starts the event's publication workflow (ABANDON: it outlives this workflow and retries until
 * the broker confirms). Resolves once it is started, which is when the event is durable. One
 * already started for the same event (the write ran again under its Idempotency-Key) is left to
 * publish it: the shop never publishes an event twice.
 */
export async function startEventPublication(input: PublishEventInput): Promise<void> {
  try {
    await startChild<typeof publishIntegrationEvent>(PUBLISH_INTEGRATION_EVENT_WORKFLOW, {
      workflowId: integrationEventWorkflowId(input),
      args: [input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
