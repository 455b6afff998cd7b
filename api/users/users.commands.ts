// The users write path: registration runs the registerUser workflow (the password is hashed
// here, so the plain text never enters workflow history).
import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../common/passwords';
import { USERS_TASK_QUEUE, type UserView, registerUserWorkflowId } from '../../workflows/users/contract';
import type { registerUser } from '../../workflows/users/register-user.workflow';
import type { ApiDeps } from '../context';

export interface RegisterRequest {
  email: string;
  password: string;
  name: string;
}

export async function registerUserCommand(deps: ApiDeps, input: RegisterRequest, requestId: string): Promise<UserView> {
  const userId = randomUUID();
  const passwordHash = await hashPassword(input.password);
  return deps.temporal.workflow.execute<typeof registerUser>('registerUser', {
    workflowId: registerUserWorkflowId(userId),
    taskQueue: USERS_TASK_QUEUE,
    args: [{ userId, email: input.email, name: input.name, passwordHash, requestId }],
    memo: { requestId },
  });
}
