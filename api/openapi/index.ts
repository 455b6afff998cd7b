// The OpenAPI 3.1 document of the gateway, assembled from one fragment per domain.
import { commonComponents, problemResponse } from './common.openapi';
import { ordersPaths, ordersSchemas } from './orders.openapi';
import { productsPaths, productsSchemas } from './products.openapi';
import { usersPaths, usersSchemas } from './users.openapi';

const opsPaths = {
  '/healthz': { get: { tags: ['ops'], summary: 'Liveness', responses: { '200': { description: 'Alive' } } } },
  '/readyz': {
    get: {
      tags: ['ops'],
      summary: 'Readiness: Temporal, database and Redis reachable',
      responses: { '200': { description: 'Ready' }, '503': { description: 'A dependency is down' } },
    },
  },
  '/metrics': {
    get: {
      tags: ['ops'],
      summary: 'Prometheus metrics',
      responses: { '200': { description: 'Metrics in text format' } },
    },
  },
};

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Temporal Shop API',
      version: '0.1.0',
      description: 'E-commerce backend on Temporal. Errors are RFC 9457 problem+json.',
    },
    paths: { ...usersPaths, ...productsPaths, ...ordersPaths, ...opsPaths },
    components: {
      ...commonComponents,
      schemas: { ...commonComponents.schemas, ...usersSchemas, ...productsSchemas, ...ordersSchemas },
      responses: { TooManyRequests: problemResponse('Rate limited') },
    },
  };
}
