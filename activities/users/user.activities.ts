// Users domain activities. Idempotent on the user ID: a retried createUser after a crash
// finds its own row and returns it; a different user with the same e-mail is EmailTaken.
import { ApplicationFailure } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { UserEntity } from '../../db/entities';
import { isUniqueViolation } from '../../db/errors';
import { toUserView } from '../../db/views';
import { FailureType } from '../../workflows/shared/failures';
import type { CreateUserInput, UserView } from '../../workflows/users/contract';

export interface UserActivityDeps {
  dataSource: DataSource;
}

export function createUserActivities({ dataSource }: UserActivityDeps) {
  const users = () => dataSource.getRepository(UserEntity);

  return {
    async createUser(input: CreateUserInput): Promise<UserView> {
      const row = users().create({
        id: input.userId,
        email: input.email.toLowerCase(),
        name: input.name,
        passwordHash: input.passwordHash,
        role: input.role ?? 'customer',
        createdAt: new Date(),
        deletedAt: null,
      });
      try {
        await users().insert(row);
        return toUserView(row);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        const mine = await users().findOneBy({ id: input.userId });
        if (mine) return toUserView(mine); // our own earlier attempt succeeded
        throw ApplicationFailure.nonRetryable('This e-mail address is already registered', FailureType.EmailTaken);
      }
    },
  };
}

export type UserActivities = ReturnType<typeof createUserActivities>;
