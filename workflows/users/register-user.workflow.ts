import { patched, proxyActivities } from '@temporalio/workflow';
import type { UserActivities } from '../../activities/users/user.activities';
import { startEmailChild } from '../notifications/email-child';
import { startEventPublication } from '../shared/event-publication';
import { INTEGRATION_EVENTS_PATCH } from '../shared/events';
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

/**
 * Registers a customer, publishes user.registered (a durable child: a broker outage never delays
 * the sign-up's answer), then hands the welcome e-mail to the notifications domain.
 */
export async function registerUser(input: RegisterUserInput): Promise<UserView> {
  const user = await createUser({
    userId: input.userId,
    email: input.email,
    name: input.name,
    passwordHash: input.passwordHash,
  });

  if (patched(INTEGRATION_EVENTS_PATCH)) {
    await startEventPublication({
      name: 'user.registered',
      subject: user.id,
      sequence: 1,
      time: user.createdAt,
      data: { userId: user.id, email: user.email, name: user.name, role: user.role, registeredAt: user.createdAt },
    });
  }

  // A child (abandoned): the e-mail is durable from here on, but SMTP never delays sign-up.
  await startEmailChild({ template: 'welcome', userId: user.id, data: { name: user.name } });
  return user;
}
