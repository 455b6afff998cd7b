// Request validation of the users routes. Unknown body fields (e.g. role) are stripped.
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_BYTES } from '../../common/passwords';
import { PLAIN_TEXT_RULE, isPlainText } from '../../common/plain-text';
import { z } from '../openapi/zod-openapi';

// The limits are in bytes (bcrypt reads 72); the lengths below are what JSON Schema can say.
const password = z
  .string()
  .refine((p) => Buffer.byteLength(p, 'utf8') >= PASSWORD_MIN_BYTES, `must be at least ${PASSWORD_MIN_BYTES} bytes`)
  .refine((p) => Buffer.byteLength(p, 'utf8') <= PASSWORD_MAX_BYTES, `must be at most ${PASSWORD_MAX_BYTES} bytes`)
  .openapi({
    minLength: PASSWORD_MIN_BYTES,
    maxLength: PASSWORD_MAX_BYTES,
    description: `${PASSWORD_MIN_BYTES} to ${PASSWORD_MAX_BYTES} bytes (UTF-8)`,
  });
const email = z.string().trim().toLowerCase().max(254).email();

// The name is quoted in the welcome e-mail, which goes to whatever address was given.
const name = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine(isPlainText, PLAIN_TEXT_RULE)
  .openapi({ description: `1 to 100 characters; ${PLAIN_TEXT_RULE}` });

export const registerSchema = z.object({ email, password, name }).openapi('RegisterRequest');
/** An e-mail as accounts are keyed: trimmed and lower-cased (anything else becomes its string). */
export const canonicalEmail = (value: unknown): string =>
  String(value ?? '')
    .trim()
    .toLowerCase()
    .slice(0, 254);

export const loginSchema = z
  .object({
    email: z.string().trim().toLowerCase().max(254),
    password: z.string().max(1024),
  })
  .openapi('LoginRequest');
