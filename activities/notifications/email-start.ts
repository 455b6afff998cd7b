// The activity side of an e-mail hand-off (the workflow side is workflows/notifications/email-child.ts).
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { type EmailHandOff, emailStart } from '../../workflows/notifications/contract';
import type { sendEmail } from '../../workflows/notifications/send-email.workflow';

/**
 * Starts the e-mail's sendEmail workflow under its deterministic ID. REJECT_DUPLICATE keeps a
 * retried attempt from starting it again even after that workflow has closed (the message key
 * in the outbox is the second guard); an existing one counts as started.
 */
export async function startEmailWorkflow(client: Pick<Client, 'workflow'>, handOff: EmailHandOff): Promise<void> {
  try {
    await client.workflow.start<typeof sendEmail>('sendEmail', {
      ...emailStart(handOff),
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
