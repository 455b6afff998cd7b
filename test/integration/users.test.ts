// Users domain end to end: real gateway, Temporal dev server, MariaDB, Redis and SMTP.
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { UserEntity } from '../../db/entities';
import type { SendEmailInput, SendEmailResult } from '../../workflows/notifications/contract';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const newEmail = () => `u-${randomUUID()}@example.test`;
const expectProblem = (res: { status: number; headers: Headers; body: any }, status: number, code?: string) => {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body).toMatchObject({
    status,
    title: expect.any(String),
    detail: expect.any(String),
    type: expect.any(String),
  });
  if (code) expect(res.body.code).toBe(code);
};

describe('POST /api/users/register', () => {
  it('creates a customer, ignores a role in the body, and the welcome e-mail arrives over SMTP', async () => {
    const email = newEmail();
    const res = await stack.request('POST', '/api/users/register', {
      body: { email: email.toUpperCase(), password: 'password123', name: 'Ada', role: 'admin' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email,
      name: 'Ada',
      role: 'customer',
      createdAt: expect.any(String),
    });
    expect(res.headers.get('location')).toBe(`/api/users/${res.body.id}`);
    expect(res.headers.get('x-request-id')).toBeTruthy();

    const mail = await stack.smtp.waitFor((m) => m.to.includes(email));
    expect(mail.header('Subject')).toBe('Welcome to Temporal Shop');
    expect(mail.header('Message-ID')).toBe(`<welcome:${res.body.id}@temporal-shop>`);

    const row = await stack.workerDeps.dataSource.getRepository(UserEntity).findOneByOrFail({ id: res.body.id });
    expect(row.role).toBe('customer');
    expect(row.passwordHash).toMatch(/^\$2[ab]\$10\$/);
  });

  it('never sends the welcome e-mail twice, even when the send is retried', async () => {
    const { id, email } = await stack.customer();
    await stack.smtp.waitFor((m) => m.to.includes(email));
    // Run the same e-mail workflow's activity again, as a retry after a crash would (a fresh
    // attempt: an activity context without heartbeat details).
    const { createEmailActivities } = await import('../../activities/notifications/email.activities');
    const { deliverEmail } = createEmailActivities({
      dataSource: stack.workerDeps.dataSource,
      mailer: stack.workerDeps.mailer,
    });
    const input: SendEmailInput = { messageKey: `welcome:${id}`, template: 'welcome', userId: id, data: { name: 'x' } };
    const again = await new MockActivityEnvironment().run<[SendEmailInput], SendEmailResult, typeof deliverEmail>(
      deliverEmail,
      input,
    );
    expect(again.status).toBe('ALREADY_SENT');
    await new Promise((r) => setTimeout(r, 500));
    expect(stack.smtp.to(email)).toHaveLength(1);
  });

  it('answers 409 EMAIL_TAKEN for a duplicate e-mail, and exactly one of two concurrent registrations wins', async () => {
    const email = newEmail();
    const body = { email, password: 'password123', name: 'Twin' };
    const [a, b] = await Promise.all([
      stack.request('POST', '/api/users/register', { body }),
      stack.request('POST', '/api/users/register', { body }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expectProblem(a.status === 409 ? a : b, 409, 'EMAIL_TAKEN');
    const again = await stack.request('POST', '/api/users/register', { body });
    expectProblem(again, 409, 'EMAIL_TAKEN');
    expect(await stack.workerDeps.dataSource.getRepository(UserEntity).countBy({ email })).toBe(1);
  });

  it.each([
    ['missing fields', {}],
    ['missing password', { email: 'x@example.test', name: 'X' }],
    ['bad e-mail', { email: 'not-an-email', password: 'password123', name: 'X' }],
    ['short password', { email: 'x@example.test', password: 'short', name: 'X' }],
    ['over-long password (73 bytes)', { email: 'x@example.test', password: 'a'.repeat(73), name: 'X' }],
    ['over-long multibyte password (37 × 2 bytes)', { email: 'x@example.test', password: 'é'.repeat(37), name: 'X' }],
    ['wrong types', { email: 42, password: ['password123'], name: { first: 'X' } }],
    ['empty name', { email: 'x@example.test', password: 'password123', name: '   ' }],
    [
      'a name with a line break',
      { email: 'x@example.test', password: 'password123', name: 'Ada\n\nReset at evil.test' },
    ],
    ['a name with a bidi override', { email: 'x@example.test', password: 'password123', name: 'Ada \u202Egnp.exe' }],
    ['a name with a control character', { email: 'x@example.test', password: 'password123', name: 'Ada\u0007' }],
    ['a name with a zero-width space', { email: 'x@example.test', password: 'password123', name: 'A\u200Bda' }],
  ])('rejects %s with 400 problem+json', async (_label, body) => {
    const res = await stack.request('POST', '/api/users/register', { body });
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });

  it('rejects malformed JSON, a non-object body, a non-JSON content type and an oversized body', async () => {
    expectProblem(
      await stack.request('POST', '/api/users/register', {
        rawBody: '{"email": ',
        headers: { 'Content-Type': 'application/json' },
      }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(await stack.request('POST', '/api/users/register', { body: ['a'] }), 400);
    expectProblem(
      await stack.request('POST', '/api/users/register', {
        rawBody: 'email=a',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectProblem(
      await stack.request('POST', '/api/users/register', {
        body: { email: newEmail(), password: 'password123', name: 'x'.repeat(200_000) },
      }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('accepts a password of exactly 72 bytes and logs in with it', async () => {
    const email = newEmail();
    const password = 'é'.repeat(36); // 72 bytes
    expect(
      (await stack.request('POST', '/api/users/register', { body: { email, password, name: 'Max' } })).status,
    ).toBe(201);
    expect((await stack.request('POST', '/api/users/login', { body: { email, password } })).status).toBe(200);
  });
});

describe('POST /api/users/login', () => {
  it('returns a bearer token with the documented shape and claims', async () => {
    const c = await stack.customer('Logan');
    const res = await stack.request('POST', '/api/users/login', { body: { email: c.email, password: c.password } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 3600,
      user: { id: c.id, email: c.email, role: 'customer' },
    });
    const claims = JSON.parse(Buffer.from(res.body.accessToken.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ sub: c.id, role: 'customer', iss: 'temporal-shop', aud: 'temporal-shop-api' });
    expect(claims.exp - claims.iat).toBe(3600);
  });

  it('gives the same 401 for an unknown e-mail and a wrong password', async () => {
    const c = await stack.customer();
    const wrong = await stack.request('POST', '/api/users/login', {
      body: { email: c.email, password: 'not the password' },
    });
    const unknown = await stack.request('POST', '/api/users/login', {
      body: { email: newEmail(), password: 'not the password' },
    });
    expectProblem(wrong, 401, 'INVALID_CREDENTIALS');
    expectProblem(unknown, 401, 'INVALID_CREDENTIALS');
    expect(wrong.body.detail).toBe(unknown.body.detail);
  });

  it('rejects a bad body with 400', async () => {
    expectProblem(await stack.request('POST', '/api/users/login', { body: { email: 'a@b.c' } }), 400);
  });
});

describe('GET /api/users/me and /api/users/:id', () => {
  it('requires a valid token', async () => {
    expectProblem(await stack.request('GET', '/api/users/me'), 401, 'UNAUTHORIZED');
    expectProblem(await stack.request('GET', '/api/users/me', { token: 'not.a.token' }), 401);
    expectProblem(await stack.request('GET', '/api/users/me', { headers: { Authorization: 'Basic abc' } }), 401);
  });

  it('refuses a valid token whose account has been deleted', async () => {
    const c = await stack.customer('Gone');
    await stack.workerDeps.dataSource.getRepository(UserEntity).update({ id: c.id }, { deletedAt: new Date() });
    expectProblem(await stack.request('GET', '/api/users/me', { token: c.token }), 401, 'UNAUTHORIZED');
    expectProblem(await stack.request('GET', `/api/users/${c.id}`, { token: c.token }), 401, 'UNAUTHORIZED');
  });

  it('lets a user read themself, an admin read anyone, and nobody else', async () => {
    const alice = await stack.customer('Alice');
    const bob = await stack.customer('Bob');
    const admin = await stack.adminToken();

    const me = await stack.request('GET', '/api/users/me', { token: alice.token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: alice.id, email: alice.email, name: 'Alice', role: 'customer' });
    expect(me.body).not.toHaveProperty('passwordHash');

    expect((await stack.request('GET', `/api/users/${alice.id}`, { token: alice.token })).status).toBe(200);
    expectProblem(await stack.request('GET', `/api/users/${bob.id}`, { token: alice.token }), 403, 'FORBIDDEN');
    expectProblem(await stack.request('GET', `/api/users/${randomUUID()}`, { token: alice.token }), 403, 'FORBIDDEN');
    const byAdmin = await stack.request('GET', `/api/users/${bob.id}`, { token: admin });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.email).toBe(bob.email);
    expectProblem(await stack.request('GET', `/api/users/${randomUUID()}`, { token: admin }), 404, 'NOT_FOUND');
    expectProblem(await stack.request('GET', '/api/users/not-a-uuid', { token: admin }), 400, 'VALIDATION_FAILED');
  });
});

describe('gateway basics', () => {
  it('echoes a sane X-Request-Id and replaces an unsafe one', async () => {
    const ok = await stack.request('GET', '/healthz', { headers: { 'X-Request-Id': 'abc-123' } });
    expect(ok.headers.get('x-request-id')).toBe('abc-123');
    const bad = await stack.request('GET', '/healthz', {
      headers: { 'X-Request-Id': 'evil\u0001id'.replace('\u0001', '%01') + ' x' },
    });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets security headers and answers unknown routes with a 404 problem', async () => {
    const res = await stack.request('GET', '/api/nope');
    expectProblem(res, 404, 'NOT_FOUND');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('is ready while Temporal, MariaDB and Redis are up', async () => {
    const res = await stack.request('GET', '/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ temporal: 'up', database: 'up', redis: 'up' });
  });
});
