// The OpenAPI 3.1 document of the gateway, assembled from one fragment per domain.
import { commonComponents, problemResponse } from './common.openapi';
import { productsPaths, productsSchemas } from '../catalog/catalog.openapi';
import { opsPaths } from '../ops/ops.openapi';
import { ordersPaths, ordersSchemas } from '../orders/orders.openapi';
import { usersPaths, usersSchemas } from '../users/users.openapi';

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
