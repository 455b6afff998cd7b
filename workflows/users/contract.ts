// Users domain contract: task queue, workflow IDs, inputs and outputs. Imported by the
// gateway, the worker and the workflow alike; the single source of truth for all three.
export const USERS_TASK_QUEUE = 'users';

export const registerUserWorkflowId = (userId: string): string => `user-${userId}`;

export type UserRole = 'customer' | 'admin';

/** A new account: what registration submits and what the createUser activity writes. */
export interface NewUser {
  userId: string;
  email: string;
  name: string;
  /**
   * bcrypt hash computed by the gateway: the plaintext password never enters workflow
   * history, which is stored unencrypted and visible in the Web UI.
   */
  passwordHash: string;
}

export interface RegisterUserInput extends NewUser {
  requestId?: string;
}

/** Input of the createUser activity; the role defaults to customer. */
export interface CreateUserInput extends NewUser {
  role?: UserRole;
}

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  createdAt: string;
}
