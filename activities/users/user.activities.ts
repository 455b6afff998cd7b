// Users domain activities. Idempotent on the user ID: a retried createUser after a crash
// finds its own row and returns it; a different user with the same e-mail is EmailTaken.
import { ApplicationFailure } from '@temporalio/activity';
import bcrypt from 'bcrypt';
import type { DataSource } from 'typeorm';
import { UserEntity } from '../../db/entities';
import { isUniqueViolation } from '../../db/errors';
import { toUserView } from '../../db/views';
import { FailureType } from '../../workflows/shared/failures';
import type { UserRole, UserView } from '../../workflows/users/contract';

export const BCRYPT_COST = 10;

export interface UserActivityDeps {
  dataSource: DataSource;
}

export interface CreateUserInput {
  userId: string;
  email: string;
  name: string;
  passwordHash: string;
  role?: UserRole;
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

    /**
     * Creates the admin account, or promotes and re-keys it, from ADMIN_EMAIL/ADMIN_PASSWORD.
     * Idempotent: running it at every start leaves one admin row.
     */
    async seedAdmin(input: { userId: string; email: string; password: string; name?: string }): Promise<UserView> {
      const email = input.email.toLowerCase();
      const existing = await users().findOneBy({ email });
      if (existing) {
        const samePassword = await bcrypt.compare(input.password, existing.passwordHash);
        if (existing.role !== 'admin' || !samePassword) {
          existing.role = 'admin';
          if (!samePassword) existing.passwordHash = await bcrypt.hash(input.password, BCRYPT_COST);
          await users().save(existing);
        }
        return toUserView(existing);
      }
      const passwordHash = await bcrypt.hash(input.password, BCRYPT_COST);
      try {
        await users().insert({
          id: input.userId,
          email,
          name: input.name ?? 'Administrator',
          passwordHash,
          role: 'admin',
          createdAt: new Date(),
          deletedAt: null,
        });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err; // a concurrent start created it
      }
      return toUserView((await users().findOneByOrFail({ email })) as UserEntity);
    },
  };
}

export type UserActivities = ReturnType<typeof createUserActivities>;
