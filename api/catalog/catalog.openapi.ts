// The /api/products operations of the OpenAPI document, from the schemas the routes validate with.
import type { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import {
  acceptedSchema,
  bearer,
  header,
  jsonBody,
  jsonResponse,
  problemResponse,
  retryAfter,
} from '../openapi/common.openapi';
import { z } from '../openapi/zod-openapi';
import { idempotencyKeySchema } from '../shared/idempotency-key';
import { idParams } from '../shared/id-params';
import { createProductSchema, listProductsQuery, updateProductSchema } from './catalog.input';
import { productPageSchema, productSchema } from './catalog.output';

const location = { Location: header(z.string(), '/api/products/{id}') };

const idempotencyKey = z.object({
  'Idempotency-Key': idempotencyKeySchema.optional().openapi({
    param: {
      description:
        '1 to 255 visible ASCII characters, unique per intended write (a UUID is a good choice). Scoped to the admin account and the write: a create, or the update or delete of one product.',
    },
  }),
});

const replayed = {
  'Idempotent-Replayed': header(
    z.enum(['true', 'false']).optional(),
    'With an Idempotency-Key: true when this is the answer of an earlier request with the same key',
  ),
};

const IDEMPOTENCY = [
  'With an `Idempotency-Key`, every repeat of the request (same admin, key, product and body) gets the first answer',
  '(`Idempotent-Replayed: true`) and writes nothing again, also while the first is still running; the same key with',
  'a different body is refused with 422 IDEMPOTENCY_KEY_REUSED. A write that was refused or failed (503',
  'CATALOG_UNAVAILABLE) is no answer to keep: a repeat runs it again. Without a key, each request is a write of its own.',
].join(' ');

const xCache = z.object({
  'X-Cache': header(
    z.enum(['HIT', 'MISS', 'STALE']),
    'HIT: served from the cache. MISS: read from the database (always for admins, who read the primary). STALE: the database is unreachable and this is the last cached copy, possibly outdated.',
  ),
});

// HTTP caching (api/shared/http-cache.ts): the validators and caching rules of both reads.
const cacheHeaders = {
  ETag: header(
    z.string(),
    'Strong entity tag of this representation (a hash of the body): send it back in If-None-Match to revalidate',
  ),
  'Cache-Control': header(
    z.string().openapi({ example: 'public, max-age=5' }),
    'Anonymous: `public, max-age=N` (N = CATALOG_HTTP_MAX_AGE_S, default 5): a CDN or the browser may reuse the answer for N seconds. With an Authorization header: `private, no-cache` (no shared cache stores it; the client revalidates every use).',
  ),
  Vary: header(z.string(), 'Includes Authorization (and Origin, for CORS)'),
};

const conditional = z.object({
  'If-None-Match': z
    .string()
    .optional()
    .openapi({
      param: {
        description:
          'Entity tags of copies the client holds (comma-separated, `W/` allowed: compared weakly), or `*`: 304 when one is current',
        example: '"3q2-7w9vKxQyTeZ8VgXhbQmYmJY"',
      },
    }),
});

const notModified: ResponseConfig = {
  description:
    'Not Modified: If-None-Match names the current representation (or is `*`). No body; the same ETag, Cache-Control and Vary as the 200.',
  headers: z.object(cacheHeaders),
};

const unavailable = problemResponse(
  'DATABASE_UNAVAILABLE (a read found the database unreachable and nothing cached) or TEMPORAL_UNAVAILABLE; retry after Retry-After seconds',
  retryAfter,
);

const accepted = jsonResponse(
  'Without Idempotency-Key, past the route deadline (ROUTE_DEADLINE_MS; e.g. no catalog worker is running): the write is durable and completes once workers are back. Location names the product.',
  acceptedSchema,
  z.object(location),
);

const keyReused = problemResponse('IDEMPOTENCY_KEY_REUSED: the Idempotency-Key was used with a different body');

const adminErrors: Record<string, ResponseConfig> = {
  '400': problemResponse('VALIDATION_FAILED (the body, the ID or the Idempotency-Key)'),
  '401': problemResponse('UNAUTHORIZED: no valid bearer token'),
  '403': problemResponse('FORBIDDEN: not an administrator'),
  '415': problemResponse('UNSUPPORTED_MEDIA_TYPE'),
  '429': problemResponse('Rate limited'),
  '503': problemResponse(
    'CATALOG_UNAVAILABLE: the write could not complete (nothing to keep: repeat it); STILL_PROCESSING: with an Idempotency-Key, past the route deadline (repeat it to join the same write); TEMPORAL_UNAVAILABLE',
    retryAfter,
  ),
};

export function registerCatalogOperations(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/api/products',
    tags: ['products'],
    operationId: 'listProducts',
    summary: 'List live products, newest first, with keyset pagination',
    description:
      'Ordered by (createdAt, id) descending, so paging is stable while products are added. Pass `nextCursor` back as `cursor` for the next page; it is null on the last page. A valid admin token reads the primary database (read-your-writes); everyone else reads a replica. Cacheable: ETag, If-None-Match → 304, Cache-Control public (anonymous, max-age CATALOG_HTTP_MAX_AGE_S) or private, no-cache (with a token). HEAD answers the same without a body.',
    security: [{}, ...bearer],
    request: { query: listProductsQuery, headers: conditional },
    responses: {
      '200': jsonResponse('A page of products', productPageSchema, z.object(cacheHeaders)),
      '304': notModified,
      '400': problemResponse('VALIDATION_FAILED: bad limit, cursor or q'),
      '401': problemResponse('UNAUTHORIZED: a bearer token was sent and is invalid'),
      '429': problemResponse('Rate limited'),
      '503': unavailable,
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/products',
    tags: ['products'],
    operationId: 'createProduct',
    summary: 'Create a product (admin; runs the createProduct workflow)',
    description: `With an Idempotency-Key the product ID is derived from the admin account and the key. ${IDEMPOTENCY}`,
    security: bearer,
    request: { headers: idempotencyKey, body: jsonBody(createProductSchema) },
    responses: {
      '201': jsonResponse('Created', productSchema, z.object({ ...location, ...replayed })),
      '202': accepted,
      ...adminErrors,
      '409': problemResponse('SKU_TAKEN'),
      '422': keyReused,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/products/{id}',
    tags: ['products'],
    operationId: 'getProduct',
    summary: 'A live product (cached; see X-Cache)',
    description:
      'Cacheable over HTTP: ETag (strong), If-None-Match → 304, `Cache-Control: public, max-age=CATALOG_HTTP_MAX_AGE_S` for anonymous reads (the staleness an anonymous reader may see after a write), `private, no-cache` with a token (an admin revalidates every use and reads their own writes). HEAD answers the same without a body.',
    security: [{}, ...bearer],
    request: { params: idParams, headers: conditional },
    responses: {
      '200': jsonResponse('The product', productSchema, xCache.extend(cacheHeaders)),
      '304': { ...notModified, headers: xCache.extend(cacheHeaders) },
      '400': problemResponse('VALIDATION_FAILED: the ID is not a UUID'),
      '401': problemResponse('UNAUTHORIZED: a bearer token was sent and is invalid'),
      '404': problemResponse(
        'NOT_FOUND: unknown or deleted product. `Cache-Control: no-store`: not a lasting answer (a product accepted with 202 is 404 until its write completes), so no cache keeps it',
        z.object({ 'Cache-Control': header(z.literal('no-store'), 'Stored by no cache') }),
      ),
      '429': problemResponse('Rate limited'),
      '503': unavailable,
    },
  });
  registry.registerPath({
    method: 'put',
    path: '/api/products/{id}',
    tags: ['products'],
    operationId: 'updateProduct',
    summary: 'Partially update a product (admin; runs the updateProduct workflow)',
    description: `Only the fields given change. \`stock\` sets the on-hand count (units already reserved by orders are not in it). ${IDEMPOTENCY}`,
    security: bearer,
    request: { params: idParams, headers: idempotencyKey, body: jsonBody(updateProductSchema) },
    responses: {
      '200': jsonResponse('The updated product', productSchema, z.object(replayed)),
      '202': accepted,
      ...adminErrors,
      '404': problemResponse('NOT_FOUND: unknown or deleted product'),
      '409': problemResponse('SKU_TAKEN'),
      '422': keyReused,
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/products/{id}',
    tags: ['products'],
    operationId: 'deleteProduct',
    summary: 'Delete a product (admin; runs the deleteProduct workflow)',
    description: `A soft delete: the product leaves the catalog and cannot be ordered; orders that reference it keep its name and price. Its SKU stays reserved. ${IDEMPOTENCY}`,
    security: bearer,
    request: { params: idParams, headers: idempotencyKey },
    responses: {
      '204': { description: 'Deleted', headers: z.object(replayed) },
      '202': accepted,
      ...adminErrors,
      '404': problemResponse('NOT_FOUND: unknown or already deleted product'),
    },
  });
}
