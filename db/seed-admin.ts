// The admin account from ADMIN_EMAIL/ADMIN_PASSWORD, created or promoted and re-keyed at start
// (npm start, the migration job). Idempotent: running it at every start leaves one admin row.
// Promoting or re-keying an existing account moves its token version on, so no token issued
// before (say, to whoever registered that address as a customer) survives as an admin token.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { hashPassword, verifyPassword } from '../common/passwords';
import type { UserView } from '../workflows/users/contract';
import { UserEntity } from './entities';
import { isUniqueViolation } from './errors';
import { toUserView } from './views';

export interface AdminAccount {
  email: string;
  password: string;
  name?: string;
}

export async function seedAdmin(dataSource: DataSource, admin: AdminAccount): Promise<UserView> {
  const users = dataSource.getRepository(UserEntity);
  const email = admin.email.toLowerCase();
  const existing = await users.findOneBy({ email });
  if (existing) {
    const samePassword = await verifyPassword(admin.password, existing.passwordHash);
    if (existing.role !== 'admin' || !samePassword) {
      existing.role = 'admin';
      if (!samePassword) existing.passwordHash = await hashPassword(admin.password);
      existing.tokenVersion += 1;
      await users.save(existing);
    }
    return toUserView(existing);
  }
  const passwordHash = await hashPassword(admin.password);
  try {
    await users.insert({
      id: randomUUID(),
      email,
      name: admin.name ?? 'Administrator',
      passwordHash,
      role: 'admin',
      createdAt: new Date(),
      deletedAt: null,
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err; // a concurrent start created it
  }
  return toUserView(await users.findOneByOrFail({ email }));
}
