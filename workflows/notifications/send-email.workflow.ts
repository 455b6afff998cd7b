import { proxyActivities } from '@temporalio/workflow';
import type { EmailActivities } from '../../activities/notifications/email.activities';
import type { SendEmailInput, SendEmailResult } from './contract';

// SMTP outages are ridden out by retrying for up to a day, backing off to 5 minutes.
const { deliverEmail } = proxyActivities<EmailActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '24h',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
});

/** Sends one templated e-mail, at most once per message key. */
export async function sendEmail(input: SendEmailInput): Promise<SendEmailResult> {
  return await deliverEmail(input);
}
