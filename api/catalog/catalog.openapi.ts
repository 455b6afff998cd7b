// /api/products operations (catalog domain).
import { PRODUCT_LIMITS } from '../../workflows/catalog/contract';
import { LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX } from './catalog.input';
import { bearer, jsonBody, jsonResponse, problemResponse } from '../openapi/common.openapi';

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

const xCache = {
  'X-Cache': {
    description:
      'HIT: served from the cache. MISS: read from the database (always for admins, who read the primary). STALE: the database is unreachable and this is the last cached copy, possibly outdated.',
    schema: { type: 'string', enum: ['HIT', 'MISS', 'STALE'] },
  },
};

const unavailable = {
  description:
    'DATABASE_UNAVAILABLE (a read found the database unreachable and nothing cached), CATALOG_UNAVAILABLE (a write could not complete) or TEMPORAL_UNAVAILABLE; retry after Retry-After seconds',
  headers: { 'Retry-After': { schema: { type: 'integer' } } },
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};

const accepted = {
  description:
    'ACCEPTED: the write is durable but did not complete within the wait bound (e.g. no catalog worker is running); it completes once workers are back. Location names the product.',
  headers: { Location: { schema: { type: 'string' }, description: '/api/products/{id}' } },
  content: { 'application/json': { schema: { $ref: '#/components/schemas/WriteAccepted' } } },
};

const adminErrors = {
  '400': problemResponse('VALIDATION_FAILED'),
  '401': problemResponse('UNAUTHORIZED: no valid bearer token'),
  '403': problemResponse('FORBIDDEN: not an administrator'),
  '415': problemResponse('UNSUPPORTED_MEDIA_TYPE'),
  '429': problemResponse('Rate limited'),
  '503': unavailable,
};

export const productsPaths = {
  '/api/products': {
    get: {
      tags: ['products'],
      operationId: 'listProducts',
      summary: 'List live products, newest first, with keyset pagination',
      description:
        'Ordered by (createdAt, id) descending, so paging is stable while products are added. Pass `nextCursor` back as `cursor` for the next page; it is null on the last page. A valid admin token reads the primary database (read-your-writes); everyone else reads a replica.',
      security: [{}, ...bearer],
      parameters: [
        {
          name: 'limit',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: LIST_LIMIT_MAX, default: LIST_LIMIT_DEFAULT },
        },
        {
          name: 'cursor',
          in: 'query',
          required: false,
          description: 'Opaque cursor from a previous page',
          schema: { type: 'string', maxLength: 512 },
        },
        {
          name: 'q',
          in: 'query',
          required: false,
          description: 'Only products whose name contains this text (case-insensitive)',
          schema: { type: 'string', maxLength: 100 },
        },
      ],
      responses: {
        '200': jsonResponse('A page of products', 'ProductPage'),
        '400': problemResponse('VALIDATION_FAILED: bad limit, cursor or q'),
        '401': problemResponse('UNAUTHORIZED: a bearer token was sent and is invalid'),
        '429': problemResponse('Rate limited'),
        '503': unavailable,
      },
    },
    post: {
      tags: ['products'],
      operationId: 'createProduct',
      summary: 'Create a product (admin; runs the createProduct workflow)',
      security: bearer,
      requestBody: jsonBody('CreateProductRequest'),
      responses: {
        '201': {
          description: 'Created',
          headers: { Location: { schema: { type: 'string' }, description: '/api/products/{id}' } },
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Product' } } },
        },
        '202': accepted,
        ...adminErrors,
        '409': problemResponse('SKU_TAKEN'),
      },
    },
  },
  '/api/products/{id}': {
    get: {
      tags: ['products'],
      operationId: 'getProduct',
      summary: 'A live product (cached; see X-Cache)',
      security: [{}, ...bearer],
      parameters: [idParam],
      responses: {
        '200': {
          description: 'The product',
          headers: xCache,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Product' } } },
        },
        '400': problemResponse('VALIDATION_FAILED: the ID is not a UUID'),
        '401': problemResponse('UNAUTHORIZED: a bearer token was sent and is invalid'),
        '404': problemResponse('NOT_FOUND: unknown or deleted product'),
        '429': problemResponse('Rate limited'),
        '503': unavailable,
      },
    },
    put: {
      tags: ['products'],
      operationId: 'updateProduct',
      summary: 'Partially update a product (admin; runs the updateProduct workflow)',
      description:
        'Only the fields given change. `stock` sets the on-hand count (units already reserved by orders are not in it). A retry with the same X-Request-Id while the first attempt still runs attaches to it instead of writing again.',
      security: bearer,
      parameters: [idParam],
      requestBody: jsonBody('UpdateProductRequest'),
      responses: {
        '200': jsonResponse('The updated product', 'Product'),
        '202': accepted,
        ...adminErrors,
        '404': problemResponse('NOT_FOUND: unknown or deleted product'),
        '409': problemResponse('SKU_TAKEN'),
      },
    },
    delete: {
      tags: ['products'],
      operationId: 'deleteProduct',
      summary: 'Delete a product (admin; runs the deleteProduct workflow)',
      description:
        'A soft delete: the product leaves the catalog and cannot be ordered; orders that reference it keep its name and price. Its SKU stays reserved.',
      security: bearer,
      parameters: [idParam],
      responses: {
        '204': { description: 'Deleted' },
        '202': accepted,
        ...adminErrors,
        '404': problemResponse('NOT_FOUND: unknown or already deleted product'),
      },
    },
  },
};

const sku = {
  type: 'string',
  minLength: 1,
  maxLength: PRODUCT_LIMITS.skuMax,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
  description: 'Unique among all products, deleted ones included; stored upper-case',
};
const writable = {
  name: {
    type: 'string',
    minLength: 1,
    maxLength: PRODUCT_LIMITS.nameMax,
    description: 'Trimmed; no control characters',
  },
  description: { type: 'string', maxLength: PRODUCT_LIMITS.descriptionMax },
  priceCents: {
    type: 'integer',
    minimum: 0,
    maximum: PRODUCT_LIMITS.priceCentsMax,
    description: 'Price in minor units of `currency`',
  },
  stock: { type: 'integer', minimum: 0, maximum: PRODUCT_LIMITS.stockMax, description: 'Units on hand' },
  sku,
};

export const productsSchemas = {
  Product: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'sku', 'name', 'description', 'priceCents', 'currency', 'stock', 'createdAt', 'updatedAt'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      sku: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      priceCents: { type: 'integer', minimum: 0 },
      currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217' },
      stock: { type: 'integer', minimum: 0 },
      createdAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time' },
    },
  },
  ProductPage: {
    type: 'object',
    additionalProperties: false,
    required: ['items', 'nextCursor'],
    properties: {
      items: { type: 'array', items: { $ref: '#/components/schemas/Product' } },
      nextCursor: {
        type: ['string', 'null'],
        description: 'Pass as `cursor` for the next page; null on the last page',
      },
    },
  },
  WriteAccepted: {
    type: 'object',
    additionalProperties: false,
    required: ['status', 'workflowId', 'detail'],
    properties: {
      status: { type: 'string', enum: ['ACCEPTED'] },
      workflowId: {
        type: 'string',
        description: 'The write workflow (product-{id}-{op}-{requestId}), visible in the Temporal Web UI',
      },
      detail: { type: 'string' },
    },
  },
  CreateProductRequest: {
    type: 'object',
    required: ['name', 'priceCents', 'stock'],
    description: 'Unknown fields are ignored.',
    properties: {
      ...writable,
      description: { ...writable.description, default: '' },
      sku: { ...sku, description: `${sku.description}. Generated (SKU-<12 hex digits>) when absent` },
    },
  },
  UpdateProductRequest: {
    type: 'object',
    minProperties: 1,
    description: 'Any non-empty subset of the fields; unknown fields are ignored.',
    properties: writable,
  },
};
