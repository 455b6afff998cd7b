// The operators' endpoints of the OpenAPI document (ops): liveness, readiness, metrics.
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';

export function registerOpsOperations(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/healthz',
    tags: ['ops'],
    operationId: 'getLiveness',
    summary: 'Liveness',
    responses: { '200': { description: 'Alive' } },
  });
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    tags: ['ops'],
    operationId: 'getReadiness',
    summary: 'Readiness: Temporal, database and Redis reachable',
    responses: { '200': { description: 'Ready' }, '503': { description: 'A dependency is down' } },
  });
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    tags: ['ops'],
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    responses: { '200': { description: 'Metrics in text format' } },
  });
}
