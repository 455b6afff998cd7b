import { Column, Entity, PrimaryColumn } from 'typeorm';
import { timestampColumn, uuidColumn } from './columns';

export type UserRole = 'customer' | 'admin';

@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryColumn({ ...uuidColumn })
  id: string;

  /** Stored lower-cased; the unique index is what settles concurrent registrations. */
  @Column({ type: 'varchar', length: 254, unique: true })
  email: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 60 })
  passwordHash: string;

  @Column({ type: 'varchar', length: 16, default: 'customer' })
  role: UserRole;

  @Column({ name: 'created_at', ...timestampColumn })
  createdAt: Date;

  @Column({ name: 'deleted_at', ...timestampColumn, nullable: true })
  deletedAt: Date | null;

  /**
   * Carried by every access token (claim `ver`) and compared on each request: bumping it (a role
   * or password change) revokes every token issued before.
   */
  @Column({ name: 'token_version', type: 'int', default: 0 })
  tokenVersion: number;
}
