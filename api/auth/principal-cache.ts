// The account behind a bearer token, looked up on the primary and memoised for a few seconds:
// one indexed read per user per window instead of per request, and a deleted account or a
// changed role takes effect within that window, not when the token expires.
import type { DataSource } from 'typeorm';
import { UserEntity } from '../../db/entities';
import { onPrimary } from '../../db/replication';
import type { Principal } from './tokens';

export class PrincipalCache {
  private readonly entries = new Map<string, { value: Principal | undefined; until: number }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly ttlMs = 5000,
    private readonly maxEntries = 50_000,
  ) {}

  async get(userId: string): Promise<Principal | undefined> {
    const now = Date.now();
    const hit = this.entries.get(userId);
    if (hit && hit.until > now) return hit.value;
    const row = await onPrimary(this.dataSource, (em) =>
      em
        .getRepository(UserEntity)
        .findOne({ where: { id: userId }, select: { id: true, role: true, deletedAt: true, tokenVersion: true } }),
    );
    const value = row && !row.deletedAt ? { role: row.role, tokenVersion: row.tokenVersion } : undefined;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(userId, { value, until: now + this.ttlMs });
    return value;
  }
}
