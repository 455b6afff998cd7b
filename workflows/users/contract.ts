// Users domain contract: task queue, workflow IDs, inputs and outputs. Imported by the
// gateway, the worker and the workflow alike; the single source of truth for all three.
export const USERS_TASK_QUEUE = 'users';

export const registerUserWorkflowId = (userId: string): string => `user-${userId}`;

export type UserRole = 'customer' | 'admin';

export interface RegisterUserInput {
  userId: string;
  email: string;
  name: string;
  /**
   * bcrypt hash computed by the gateway: the plaintext password never enters workflow
   * history, which is stored unencrypted and visible in the Web UI.
   */
  passwordHash: string;
  requestId?: string;
}

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  createdAt: string;
}
