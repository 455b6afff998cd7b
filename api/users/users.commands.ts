// The users write path: registration runs the registerUser workflow (the password is hashed
// here, so the plain text never enters workflow history).
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { hashPassword } from '../../common/passwords';
import { USERS_TASK_QUEUE, type UserView, registerUserWorkflowId } from '../../workflows/users/contract';
import type { registerUser } from '../../workflows/users/register-user.workflow';
import type { ApiDeps } from '../context';
import { toProblemError } from '../middleware/error-handler';
import { ProblemError } from '../problem';
import { type Accepted, withinRouteDeadline } from '../shared/route-deadline';

export interface RegisterRequest {
  email: string;
  password: string;
  name: string;
}

/**
 * The account, or (past the route deadline: no users worker polling, the database away) the
 * accepted registration, which the workflow completes once it can.
 */
export async function registerUserCommand(
  deps: ApiDeps,
  input: RegisterRequest,
  requestId: string,
): Promise<{ user: UserView } | { accepted: Accepted }> {
  const userId = randomUUID();
  const passwordHash = await hashPassword(input.password);
  const workflowId = registerUserWorkflowId(userId);
  const handle = await deps.temporal.workflow.start<typeof registerUser>('registerUser', {
    workflowId,
    taskQueue: USERS_TASK_QUEUE,
    args: [{ userId, email: input.email, name: input.name, passwordHash, requestId }],
    memo: { requestId },
  });
  try {
    const outcome = await withinRouteDeadline(deps, () => handle.result());
    if (outcome.inTime) return { user: outcome.value };
  } catch (err) {
    // EMAIL_TAKEN and outages map as they are; a run whose retries ran out is an outage too.
    if (toProblemError(err) || !(err instanceof WorkflowFailedError)) throw err;
    throw new ProblemError(
      503,
      'USERS_UNAVAILABLE',
      'Service unavailable',
      'The account could not be created right now; retry shortly',
      {},
      { 'Retry-After': '5' },
    );
  }
  return {
    accepted: {
      status: 'ACCEPTED',
      id: userId,
      workflowId,
      detail: 'The registration is accepted and will complete; sign in once it has',
    },
  };
}
