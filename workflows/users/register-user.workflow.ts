import { proxyActivities } from '@temporalio/workflow';
import type { UserActivities } from '../../activities/users/user.activities';
import { startEmailChild } from '../notifications/email-child';
import { FailureType } from '../shared/failures';
import type { RegisterUserInput, UserView } from './contract';

// A registration the gateway answered 202 must still complete once the database is back: retried
// for up to a day, not a fixed number of attempts that a minute-long outage would exhaust.
const { createUser } = proxyActivities<UserActivities>({
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '24h',
  retry: {
    initialInterval: '200ms',
    maximumInterval: '10s',
    nonRetryableErrorTypes: [FailureType.EmailTaken],
  },
});

/** Registers a customer, then hands the welcome e-mail to the notifications domain. */
export async function registerUser(input: RegisterUserInput): Promise<UserView> {
  const user = await createUser({
    userId: input.userId,
    email: input.email,
    name: input.name,
    passwordHash: input.passwordHash,
  });

  // A child (abandoned): the e-mail is durable from here on, but SMTP never delays sign-up.
  await startEmailChild({ template: 'welcome', userId: user.id, data: { name: user.name } });
  return user;
}
