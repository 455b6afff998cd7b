// Catalog 404s and shared caches (found by the outside review of session 6), on the real gateway.
// It failed when written: 404s had no Cache-Control and no Vary: Authorization.
//
// A 404 of a catalog read carries no Cache-Control and no `Vary: Authorization` (the README:
// "every answer carries Vary: Authorization"). 404 is cacheable by default (RFC 9110 §15.1), so a
// shared cache in front of the gateway applies its own heuristic or default TTL to it (some CDNs
// default to an hour): a product polled at its 202's Location before it exists, or looked up just
// before it was created, stays "not found" to anonymous readers far past the documented staleness
// bound (CATALOG_HTTP_MAX_AGE_S, 5 s).
import { randomUUID } from 'node:crypto';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ domains: ['catalog', 'users'] });
});
afterAll(async () => {
  await stack?.stop();
});

it('an anonymous 404 of a catalog read says how long it may be cached (at most CATALOG_HTTP_MAX_AGE_S) and varies on Authorization', async () => {
  const missing = await stack.request('GET', `/api/products/${randomUUID()}`);
  expect(missing.status).toBe(404);
  const cacheControl = missing.headers.get('cache-control') ?? '(none)';
  const maxAge = /max-age=(\d+)/.exec(cacheControl);
  const bounded =
    /no-store|no-cache/.test(cacheControl) ||
    (maxAge !== null && Number(maxAge[1]) <= stack.config.CATALOG_HTTP_MAX_AGE_S);
  expect({
    cacheControl,
    bounded,
    varyAuthorization: /authorization/i.test(missing.headers.get('vary') ?? ''),
  }).toEqual({ cacheControl, bounded: true, varyAuthorization: true });
});
