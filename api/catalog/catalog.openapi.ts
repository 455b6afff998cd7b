// The /api/products operations of the OpenAPI document, from the schemas the routes validate with.
import type { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { bearer, header, jsonBody, jsonResponse, problemResponse } from '../openapi/common.openapi';
import { z } from '../openapi/zod-openapi';
import { idParams } from '../shared/id-params';
import { createProductSchema, listProductsQuery, updateProductSchema } from './catalog.input';
import { productPageSchema, productSchema, writeAcceptedSchema } from './catalog.output';

const location = z.object({ Location: header(z.string(), '/api/products/{id}') });

const xCache = z.object({
  'X-Cache': header(
    z.enum(['HIT', 'MISS', 'STALE']),
    'HIT: served from the cache. MISS: read from the database (always for admins, who read the primary). STALE: the database is unreachable and this is the last cached copy, possibly outdated.',
  ),
});

const unavailable = problemResponse(
  'DATABASE_UNAVAILABLE (a read found the database unreachable and nothing cached), CATALOG_UNAVAILABLE (a write could not complete) or TEMPORAL_UNAVAILABLE; retry after Retry-After seconds',
  z.object({ 'Retry-After': z.number().int() }),
);

const accepted = jsonResponse(
  'ACCEPTED: the write is durable but did not complete within the wait bound (e.g. no catalog worker is running); it completes once workers are back. Location names the product.',
  writeAcceptedSchema,
  location,
);

const adminErrors: Record<string, ResponseConfig> = {
  '400': problemResponse('VALIDATION_FAILED'),
  '401': problemResponse('UNAUTHORIZED: no valid bearer token'),
  '403': problemResponse('FORBIDDEN: not an administrator'),
  '415': problemResponse('UNSUPPORTED_MEDIA_TYPE'),
  '429': problemResponse('Rate limited'),
  '503': unavailable,
};

export function registerCatalogOperations(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/api/products',
    tags: ['products'],
    operationId: 'listProducts',
    summary: 'List live products, newest first, with keyset pagination',
    description:
      'Ordered by (createdAt, id) descending, so paging is stable while products are added. Pass `nextCursor` back as `cursor` for the next page; it is null on the last page. A valid admin token reads the primary database (read-your-writes); everyone else reads a replica.',
    security: [{}, ...bearer],
    request: { query: listProductsQuery },
    responses: {
      '200': jsonResponse('A page of products', productPageSchema),
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
    security: bearer,
    request: { body: jsonBody(createProductSchema) },
    responses: {
      '201': jsonResponse('Created', productSchema, location),
      '202': accepted,
      ...adminErrors,
      '409': problemResponse('SKU_TAKEN'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/products/{id}',
    tags: ['products'],
    operationId: 'getProduct',
    summary: 'A live product (cached; see X-Cache)',
    security: [{}, ...bearer],
    request: { params: idParams },
    responses: {
      '200': jsonResponse('The product', productSchema, xCache),
      '400': problemResponse('VALIDATION_FAILED: the ID is not a UUID'),
      '401': problemResponse('UNAUTHORIZED: a bearer token was sent and is invalid'),
      '404': problemResponse('NOT_FOUND: unknown or deleted product'),
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
    description:
      'Only the fields given change. `stock` sets the on-hand count (units already reserved by orders are not in it). A retry with the same X-Request-Id while the first attempt still runs attaches to it instead of writing again.',
    security: bearer,
    request: { params: idParams, body: jsonBody(updateProductSchema) },
    responses: {
      '200': jsonResponse('The updated product', productSchema),
      '202': accepted,
      ...adminErrors,
      '404': problemResponse('NOT_FOUND: unknown or deleted product'),
      '409': problemResponse('SKU_TAKEN'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/products/{id}',
    tags: ['products'],
    operationId: 'deleteProduct',
    summary: 'Delete a product (admin; runs the deleteProduct workflow)',
    description:
      'A soft delete: the product leaves the catalog and cannot be ordered; orders that reference it keep its name and price. Its SKU stays reserved.',
    security: bearer,
    request: { params: idParams },
    responses: {
      '204': { description: 'Deleted' },
      '202': accepted,
      ...adminErrors,
      '404': problemResponse('NOT_FOUND: unknown or already deleted product'),
    },
  });
}
