// The users read path: the account behind a login, and an account by ID.
import type { DataSource } from 'typeorm';
import { UserEntity } from '../../db/entities';
import { onPrimary } from '../../db/replication';

/** The primary, not a replica: a user who has just registered must be able to log in. */
export const findUserByEmail = (ds: DataSource, email: string): Promise<UserEntity | null> =>
  onPrimary(ds, (em) => em.getRepository(UserEntity).findOne({ where: { email } }));

/** A live (not deleted) account. */
export async function findUser(ds: DataSource, id: string): Promise<UserEntity | null> {
  const user = await ds.getRepository(UserEntity).findOneBy({ id });
  return user && !user.deletedAt ? user : null;
}
