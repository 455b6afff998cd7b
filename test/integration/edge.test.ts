// The edge against a hostile client: limits that no spelling of a path or an address sidesteps,
// no 500 for any method, metrics that see real statuses, readiness that degrades instead of
// failing, answers bounded in size, and bcrypt's 72-byte limit enforced at login too.
import http from 'node:http';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { type Stack, startStack } from '../support/stack';

/** A raw request with any method (fetch refuses TRACE and friends). */
function raw(base: string, method: string, path: string): Promise<{ status: number; type: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, { method }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? '') }));
    });
    // A CONNECT answer arrives as 'connect' (the client expects a tunnel), not as a response.
    req.on('connect', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? '') });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('limits', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      domains: ['users', 'notifications'],
      env: { RATE_LIMIT_MAX: '6' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('counts every spelling of a path against the general limit; operator endpoints stay unlimited', async () => {
    const spellings = ['/API/products', '/Api/Products', '/api/PRODUCTS/', '/api/products', '/API/PRODUCTS/'];
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await stack.request('GET', spellings[i % spellings.length])).status);
    expect(statuses.filter((s) => s !== 429).length).toBeLessThanOrEqual(6);
    expect(statuses).toContain(429);
    for (const probe of ['/healthz', '/HEALTHZ', '/metrics', '/readyz/']) {
      expect([probe, (await stack.request('GET', probe)).status]).not.toEqual([probe, 429]);
    }
  });
});

describe('behind a proxy (TRUST_PROXY, one hop)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ domains: [], env: { RATE_LIMIT_MAX: '3', TRUST_PROXY: 'true', TRUST_PROXY_HOPS: '1' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('limits the address the proxy saw, whatever the client writes left of it in X-Forwarded-For', async () => {
    const through = (client: string) => ({ headers: { 'X-Forwarded-For': `${randomUUID()}, 10.9.8.7, ${client}` } });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++)
      statuses.push((await stack.request('GET', '/api/products', through('203.0.113.7'))).status);
    expect(statuses.filter((s) => s !== 429).length).toBeLessThanOrEqual(3);
    expect((await stack.request('GET', '/api/products', through('203.0.113.8'))).status).not.toBe(429);
  });
});

describe('login limit per account', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      domains: ['users', 'notifications'],
      env: { TRUST_PROXY: 'true', LOGIN_RATE_LIMIT_MAX: '100', LOGIN_ACCOUNT_RATE_LIMIT_MAX: '4' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('holds for one account however many addresses guess its password', async () => {
    const { email } = await stack.customer();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await stack.request('POST', '/api/users/login', {
        body: { email, password: `guess-${i}-wrong` },
        headers: { 'X-Forwarded-For': `198.51.100.${i + 1}` },
      });
      statuses.push(res.status);
    }
    // stack.customer() logged in once: 3 guesses left, then 429 from every address.
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429, 429, 429, 429]);
  });
});

describe('login limit', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ domains: ['users', 'notifications'], env: { LOGIN_RATE_LIMIT_MAX: '3' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('keys the login limit on the canonical e-mail: case and spaces do not buy a fresh budget', async () => {
    const email = `limit-${randomUUID()}@example.test`;
    const variants = [email, email.toUpperCase(), ` ${email}`, `${email} `, email.replace('limit', 'LIMIT')];
    const statuses: number[] = [];
    for (const v of variants) {
      statuses.push(
        (await stack.request('POST', '/api/users/login', { body: { email: v, password: 'wrong password' } })).status,
      );
    }
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3);
    expect(statuses).toContain(429);
  });
});

describe('the gateway under odd requests', () => {
  let stack: Stack;
  let closedRedis: net.Server;
  beforeAll(async () => {
    // A Redis address nobody answers on: the gateway starts degraded.
    closedRedis = net.createServer((s) => s.destroy()).listen(0, '127.0.0.1');
    await new Promise((r) => closedRedis.once('listening', r));
    const port = (closedRedis.address() as net.AddressInfo).port;
    stack = await startStack({
      domains: ['users', 'notifications'],
      apiEnv: { REDIS_URL: `redis://127.0.0.1:${port}/0` },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    closedRedis?.close();
  });

  it.each(['PURGE', 'PROPFIND', 'TRACE', 'LOCK', 'MKCOL', 'CONNECT'])(
    'answers %s with a 4xx problem, never a 500',
    async (method) => {
      for (const path of ['/api/products', '/api/orders', '/', '/healthz']) {
        const res = await raw(stack.baseUrl, method, path);
        expect([method, path, res.status >= 400 && res.status < 500, res.type]).toEqual([
          method,
          path,
          true,
          expect.stringContaining('application/problem+json'),
        ]);
      }
    },
  );

  it('records the real status of errors in the HTTP metrics, not 404', async () => {
    expect((await stack.request('GET', '/api/users/me')).status).toBe(401);
    const metrics = await (await fetch(`${stack.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/api\/users\/me"[^}]*status_code="401"/);
  });

  it('stays ready while Redis is down, and says it is degraded', async () => {
    const res = await stack.request('GET', '/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks.redis).toMatch(/^degraded/);
  });

  it('bounds the validation answer of a large invalid body', async () => {
    const c = await stack.customer();
    const items = Array.from({ length: 5000 }, () => ({}));
    const res = await stack.request('POST', '/api/orders', { token: c.token, body: { items } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body).length).toBeLessThan(8 * 1024);
    expect(res.body.errors.length).toBeLessThanOrEqual(20);
  });

  it("refuses a password past bcrypt's 72 bytes at login (a right 72-byte prefix is not enough)", async () => {
    const email = `long-${randomUUID()}@example.test`;
    const password = 'p'.repeat(72);
    expect(
      (await stack.request('POST', '/api/users/register', { body: { email, password, name: 'Long' } })).status,
    ).toBe(201);
    expect((await stack.request('POST', '/api/users/login', { body: { email, password } })).status).toBe(200);
    const longer = await stack.request('POST', '/api/users/login', {
      body: { email, password: `${password}anything` },
    });
    expect(longer.status).toBe(401);
  });
});
