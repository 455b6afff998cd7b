// What every operation shares: the problem+json error shape, the bearer scheme, and builders of
// the request-body and response entries of an operation.
import type { OpenAPIRegistry, ResponseConfig, ZodRequestBody } from '@asteasolutions/zod-to-openapi';
import type { AnyZodObject, ZodTypeAny } from 'zod';
import type { Accepted } from '../shared/route-deadline';
import { z } from './zod-openapi';

/** RFC 9457 problem details (api/problem.ts); other members may follow `code`. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().openapi({ description: 'Stable machine-readable code, e.g. EMAIL_TAKEN' }),
    errors: z.array(z.object({ path: z.string(), message: z.string() }).partial()).optional(),
    errorCount: z.number().int().optional().openapi({ description: 'VALIDATION_FAILED: how many problems in all' }),
  })
  .openapi('Problem');

export const problemResponse = (description: string, headers?: AnyZodObject): ResponseConfig => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/problem+json': { schema: problemSchema } },
});

export const jsonResponse = (description: string, schema: ZodTypeAny, headers?: AnyZodObject): ResponseConfig => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema } },
});

export const jsonBody = (schema: ZodTypeAny, { required = true } = {}): ZodRequestBody => ({
  required,
  content: { 'application/json': { schema } },
});

/** A response header: its schema, described for the client. */
export const header = <S extends ZodTypeAny>(schema: S, description?: string): S =>
  description ? schema.openapi({ param: { description } }) : schema;

export const bearer = [{ bearerAuth: [] }];

/** Retry-After on a 503: the request may be repeated as it is after that many seconds. */
export const retryAfter = z.object({ 'Retry-After': header(z.number().int(), 'Seconds to wait before repeating') });

/** A 202: the work was durably started and goes on past the route deadline (ROUTE_DEADLINE_MS). */
export const acceptedSchema = z
  .object({
    status: z.literal('ACCEPTED'),
    id: z.string().uuid(),
    workflowId: z.string(),
    detail: z.string(),
  })
  .openapi('Accepted') satisfies z.ZodType<Accepted>;

/**
 * What every 429 carries, from every limiter (api/middleware/rate-limit.ts): Retry-After and the
 * fields of the IETF ratelimit-headers draft, RateLimit-Reset in delta-seconds (not an epoch).
 * Added to each operation's 429 when the document is generated (api/openapi/index.ts).
 */
export const RATE_LIMITED_HEADERS = {
  'Retry-After': {
    required: true,
    description: 'Seconds until the budget resets (at least 1): repeat the request after that',
    schema: { type: 'integer', minimum: 1 },
  },
  'RateLimit-Limit': {
    required: true,
    description: 'Requests allowed per window for this client (IPv6: per /64)',
    schema: { type: 'integer', minimum: 1 },
  },
  'RateLimit-Remaining': {
    required: true,
    description: 'Requests left in the current window (0 on a 429)',
    schema: { type: 'integer', minimum: 0 },
  },
  'RateLimit-Reset': {
    required: true,
    description:
      'Seconds until the current window ends and the budget resets (delta-seconds, draft-ietf-httpapi-ratelimit-headers; not an epoch)',
    schema: { type: 'integer', minimum: 0 },
  },
} as const;

export function registerCommonComponents(registry: OpenAPIRegistry): void {
  registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  registry.register('Problem', problemSchema);
  registry.registerComponent('responses', 'TooManyRequests', {
    description: 'Rate limited',
    headers: RATE_LIMITED_HEADERS,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  });
}
