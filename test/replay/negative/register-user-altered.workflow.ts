// Negative control for the replay test: registerUser with an incompatible change (the welcome
// e-mail is started before the user is created). Replaying real histories against it must fail.
import { ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { UserActivities } from '../../../activities/users/user.activities';
import type { RegisterUserInput, UserView } from '../../../workflows/users/contract';

const { createUser } = proxyActivities<UserActivities>({ startToCloseTimeout: '10s' });

export async function registerUser(input: RegisterUserInput): Promise<UserView> {
  await startChild('sendEmail', {
    workflowId: `welcome-email-${input.userId}`,
    taskQueue: 'notifications',
    parentClosePolicy: ParentClosePolicy.ABANDON,
    args: [],
  });
  return await createUser({
    userId: input.userId,
    email: input.email,
    name: input.name,
    passwordHash: input.passwordHash,
  });
}
