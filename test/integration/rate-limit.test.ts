// Rate limits against the real Redis store: the general limit and the stricter login limit
// keyed by IP and e-mail, both answering 429 problem+json with Retry-After.
import { randomUUID } from 'node:crypto';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    domains: [],
    env: { RATE_LIMIT_MAX: '15', RATE_LIMIT_WINDOW_MS: '60000', LOGIN_RATE_LIMIT_MAX: '3', LOGIN_RATE_LIMIT_WINDOW_MS: '60000', REDIS_KEY_PREFIX: `rl-${randomUUID()}:` },
  });
});
afterAll(async () => {
  await stack?.stop();
});

it('limits login attempts per IP and e-mail with 429 and Retry-After, other e-mails unaffected', async () => {
  const email = `victim-${randomUUID()}@example.test`;
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await stack.request('POST', '/api/users/login', { body: { email, password: 'guess-' + i } })).status);
  expect(statuses).toEqual([401, 401, 401, 429, 429]);
  const limited = await stack.request('POST', '/api/users/login', { body: { email, password: 'guess' } });
  expect(limited.status).toBe(429);
  expect(limited.headers.get('content-type')).toContain('application/problem+json');
  expect(limited.body.code).toBe('RATE_LIMITED');
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  const other = await stack.request('POST', '/api/users/login', { body: { email: `other-${randomUUID()}@example.test`, password: 'guess' } });
  expect(other.status).toBe(401);
});

it('applies the general limit to the API but never to health probes', async () => {
  const results: number[] = [];
  for (let i = 0; i < 20; i++) results.push((await stack.request('GET', '/api/users/me')).status);
  expect(results).toContain(429);
  expect(results.filter((s) => s === 429).length).toBeGreaterThanOrEqual(5);
  expect((await stack.request('GET', '/healthz')).status).toBe(200);
});
