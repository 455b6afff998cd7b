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
    summary: 'Readiness: this instance can serve; each dependency reported up or down',
    responses: {
      '200': {
        description:
          '{status: ready | degraded, checks: {temporal, database, redis: up | down}}: always 200 while the process serves, since the gateway answers a dependency outage itself (503 + Retry-After) and one outage must not take every instance out of the load balancer',
      },
    },
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
