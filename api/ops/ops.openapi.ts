// Operators' endpoints (ops): liveness, readiness, metrics.
export const opsPaths = {
  '/healthz': {
    get: {
      tags: ['ops'],
      operationId: 'getLiveness',
      summary: 'Liveness',
      responses: { '200': { description: 'Alive' } },
    },
  },
  '/readyz': {
    get: {
      tags: ['ops'],
      operationId: 'getReadiness',
      summary: 'Readiness: Temporal, database and Redis reachable',
      responses: { '200': { description: 'Ready' }, '503': { description: 'A dependency is down' } },
    },
  },
  '/metrics': {
    get: {
      tags: ['ops'],
      operationId: 'getMetrics',
      summary: 'Prometheus metrics',
      responses: { '200': { description: 'Metrics in text format' } },
    },
  },
};
