// Standard Webhooks signatures (https://www.standardwebhooks.com): the signed content is
// `<webhook-id>.<webhook-timestamp>.<body>`, HMAC-SHA256 with the secret's decoded bytes, sent as
// `webhook-signature: v1,<base64>`. Secrets are `whsec_<base64 of 32 random bytes>`. verify() is
// what a receiver does (and what the tests and docs/events.md do with the secret from creation).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
/** Receivers should refuse a timestamp further than this from their clock (replay protection). */
export const DEFAULT_TOLERANCE_S = 300;

/** A new signing secret: 32 random bytes (the spec asks for 24 to 64). */
export const generateSecret = (): string => `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;

/** The key bytes of a secret (`whsec_` optional, as the reference libraries accept). */
export function secretKey(secret: string): Buffer {
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new Error('a webhook secret is whsec_ followed by base64');
  return Buffer.from(b64, 'base64');
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${id}.${timestampSeconds}.${body}`, 'utf8').digest();
  return `v1,${mac.toString('base64')}`;
}

/** The three Standard Webhooks headers of one attempt. */
export function signatureHeaders(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': sign(secret, id, timestampSeconds, body),
  };
}

export interface VerifyInput {
  id: string;
  timestamp: string;
  /** The header's value: space-separated `v1,<sig>` entries (several during a key rotation). */
  signature: string;
  body: string;
}

/** True when one v1 signature matches and the timestamp is within the tolerance of `nowSeconds`. */
export function verify(
  secret: string,
  input: VerifyInput,
  { nowSeconds = Math.floor(Date.now() / 1000), toleranceSeconds = DEFAULT_TOLERANCE_S } = {},
): boolean {
  if (!/^\d{1,12}$/.test(input.timestamp)) return false;
  const ts = Number(input.timestamp);
  if (Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
  const expected = Buffer.from(sign(secret, input.id, ts, input.body).slice(3), 'base64');
  return input.signature.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
