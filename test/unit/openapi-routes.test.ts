// The OpenAPI document and the routers describe the same operations: every route has a
// documented operation, every operation a route, and every operation an operationId.
import { Registry } from 'prom-client';
import pino from 'pino';
import { apiRouters } from '../../api/app';
import type { ApiDeps } from '../../api/context';
import { openApiDocument } from '../../api/openapi';
import { MemoryCache } from '../../common/cache';
import { parseConfig } from '../../common/config';

// The document itself and its viewer are not API operations.
const UNDOCUMENTED = new Set([
  'GET /api/openapi.json',
  'GET /api/docs',
  'GET /api/docs/init.js',
  'GET /api/docs/{asset}',
]);

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

function routedOperations(): string[] {
  const deps = {
    config: parseConfig({}),
    log: pino({ level: 'silent' }),
    temporal: {},
    dataSource: { options: {} },
    cache: new MemoryCache(),
    tokens: {},
    metrics: new Registry(),
  } as unknown as ApiDeps;
  const ops = new Set<string>();
  for (const router of apiRouters(deps)) {
    for (const layer of router.stack) {
      const path =
        String(layer.path)
          .replace(/\/$/, '')
          .replace(/:(\w+)/g, '{$1}') || '/';
      for (const method of layer.methods) if (method !== 'HEAD') ops.add(`${method} ${path}`);
    }
  }
  return [...ops].filter((op) => !UNDOCUMENTED.has(op)).sort();
}

function documentedOperations(): { op: string; operationId?: string }[] {
  const doc = openApiDocument() as unknown as { paths: Record<string, Record<string, { operationId?: string }>> };
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({
      op: `${m.toUpperCase()} ${path}`,
      operationId: item[m]!.operationId,
    })),
  );
}

describe('OpenAPI document ↔ routers', () => {
  it('documents every route and routes every documented operation', () => {
    expect(
      documentedOperations()
        .map((o) => o.op)
        .sort(),
    ).toEqual(routedOperations());
  });

  it('gives every operation a unique operationId', () => {
    const ids = documentedOperations().map((o) => o.operationId);
    expect(ids.filter((id) => !id)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("documents every 429's Retry-After and RateLimit-* headers, RateLimit-Reset as delta-seconds", () => {
    const doc = openApiDocument() as unknown as {
      paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, any> }> }>>;
    };
    const refusals = Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]?.responses['429']).map((m) => ({
        op: `${m.toUpperCase()} ${path}`,
        headers: item[m]!.responses['429'].headers ?? {},
      })),
    );
    expect(refusals.length).toBeGreaterThan(5);
    for (const { op, headers } of refusals) {
      expect([op, Object.keys(headers).sort()]).toEqual([
        op,
        ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After'],
      ]);
      expect(headers['RateLimit-Reset'].description).toMatch(/delta-seconds/);
    }
  });
});
