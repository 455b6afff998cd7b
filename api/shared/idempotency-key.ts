// The Idempotency-Key header, shared by every POST/PUT/DELETE that accepts one: its syntax, and
// the name-based ID a key stands for, so that every repeat of a write addresses the same
// workflow and Temporal's workflow-ID policies do the deduplication.
import { createHash } from 'node:crypto';
import { z } from '../openapi/zod-openapi';
import { badRequest } from '../problem';

/** Visible ASCII, 1 to 255 characters (UUIDs, ULIDs and the like all fit). */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]*$/);

/** The validated Idempotency-Key header, or undefined when the client sent none. */
export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  if (!idempotencyKeySchema.safeParse(header).success)
    throw badRequest('Idempotency-Key must be 1 to 255 visible ASCII characters');
  return header;
}

// Part of every key-derived ID ever issued (order IDs included): never change it.
const NAMESPACE = 'temporal-shop/orders/idempotency-key/v1';

/**
 * A name-based UUID (RFC 9562 version 8, SHA-256 of namespace, scope and key): the same scope
 * (an account, or an account and a kind of write) and key always give the same ID; different
 * scopes never collide.
 */
export function idForKey(scope: string, idempotencyKey: string): string {
  const digest = createHash('sha256')
    .update(NAMESPACE)
    .update('\0')
    .update(scope)
    .update('\0')
    .update(idempotencyKey)
    .digest();
  const b = Buffer.from(digest.subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x80; // version 8
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 9562 variant
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
