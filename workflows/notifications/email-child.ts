// The workflow side of an e-mail hand-off (the activity side is activities/notifications/email-start.ts).
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { type EmailHandOff, emailStart } from './contract';
import type { sendEmail } from './send-email.workflow';

/**
 * Starts the e-mail's sendEmail workflow as a child with ABANDON: durable once started, and
 * the parent neither waits for SMTP nor takes the e-mail down with it when it closes.
 */
export async function startEmailChild(handOff: EmailHandOff): Promise<void> {
  await startChild<typeof sendEmail>('sendEmail', {
    ...emailStart(handOff),
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
}
