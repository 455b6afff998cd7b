// The OpenAPI 3.1 document of the gateway, generated from the zod schemas the routes validate
// with (requests) and the response schemas next to them: each domain registers its operations.
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { registerCartsOperations } from '../carts/carts.openapi';
import { registerCatalogOperations } from '../catalog/catalog.openapi';
import { registerOpsOperations } from '../ops/ops.openapi';
import { registerOrdersOperations } from '../orders/orders.openapi';
import { registerUsersOperations } from '../users/users.openapi';
import { registerWebhooksOperations } from '../webhooks/webhooks.openapi';
import { RATE_LIMITED_HEADERS, registerCommonComponents } from './common.openapi';

export function openApiDocument() {
  const registry = new OpenAPIRegistry();
  registerCommonComponents(registry);
  registerUsersOperations(registry);
  registerCatalogOperations(registry);
  registerOrdersOperations(registry);
  registerCartsOperations(registry);
  registerWebhooksOperations(registry);
  registerOpsOperations(registry);
  const { webhooks, components, ...doc } = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Temporal Shop API',
      version: '0.1.0',
      description: 'E-commerce backend on Temporal. Errors are RFC 9457 problem+json.',
    },
  });
  // Every limiter answers a 429 with the same headers: documented on each operation's 429.
  for (const operations of Object.values(doc.paths ?? {}))
    for (const operation of Object.values(operations as Record<string, { responses?: Record<string, unknown> }>)) {
      const refused = operation?.responses?.['429'] as { headers?: Record<string, unknown> } | undefined;
      if (refused && typeof refused === 'object') refused.headers = { ...RATE_LIMITED_HEADERS, ...refused.headers };
    }
  // The generator always emits these two, empty; the gateway has neither OpenAPI webhooks (the shop's
  // outgoing webhooks are described in docs/events.md) nor shared parameters.
  const { parameters, ...usedComponents } = components ?? {};
  return {
    ...doc,
    ...(webhooks && Object.keys(webhooks).length ? { webhooks } : {}),
    components: { ...usedComponents, ...(parameters && Object.keys(parameters).length ? { parameters } : {}) },
  };
}
