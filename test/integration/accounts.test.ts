// Account takeover through the admin seed: whoever registered ADMIN_EMAIL as a customer before the
// operator set it must not end up holding an admin token. The seed promotes and re-keys the
// account and moves its token version on, which revokes every token issued before.
import { randomUUID } from 'node:crypto';
import { seedAdmin } from '../../db/seed-admin';
import { eventually } from '../support/eventually';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ domains: ['users', 'notifications'] });
});
afterAll(async () => {
  await stack?.stop();
});

describe('admin seed over an existing customer account', () => {
  it("revokes the squatter's tokens and password; only the operator's password gives an admin token", async () => {
    const email = `squat-${randomUUID()}@example.test`;
    const squatterPassword = 'squatter password';
    const reg = await stack.request('POST', '/api/users/register', {
      body: { email, password: squatterPassword, name: 'Squatter' },
    });
    expect(reg.status).toBe(201);
    const login = await stack.request('POST', '/api/users/login', { body: { email, password: squatterPassword } });
    const squatterToken = login.body.accessToken as string;
    expect((await stack.request('GET', '/api/users/me', { token: squatterToken })).status).toBe(200);

    const operatorPassword = 'operator password 123';
    const admin = await seedAdmin(stack.workerDeps.dataSource, { email, password: operatorPassword });
    expect(admin).toMatchObject({ id: reg.body.id, role: 'admin' });

    // Within the gateway's account cache window (5 s) the old token acts as the customer it was,
    // never as an admin (another user's orders are refused), then it is refused for good.
    const othersOrders = `/api/orders?userId=${randomUUID()}`;
    await eventually(
      async () => {
        const res = await stack.request('GET', othersOrders, { token: squatterToken });
        expect([403, 401]).toContain(res.status);
        return res.status === 401 ? true : undefined;
      },
      'the old token to be refused',
      15_000,
    );
    expect((await stack.request('GET', '/api/orders?userId=' + randomUUID(), { token: squatterToken })).status).toBe(
      401,
    );
    const old = await stack.request('POST', '/api/users/login', { body: { email, password: squatterPassword } });
    expect(old.status).toBe(401);
    const fresh = await stack.request('POST', '/api/users/login', { body: { email, password: operatorPassword } });
    expect(fresh.status).toBe(200);
    expect(fresh.body.user.role).toBe('admin');
    expect((await stack.request('GET', othersOrders, { token: fresh.body.accessToken })).status).toBe(200);
  });

  it('leaves an admin whose password is unchanged alone: its tokens stay valid across restarts', async () => {
    const email = `admin-${randomUUID()}@example.test`;
    const password = 'admin password 123';
    await seedAdmin(stack.workerDeps.dataSource, { email, password });
    const token = (await stack.request('POST', '/api/users/login', { body: { email, password } })).body.accessToken;
    await seedAdmin(stack.workerDeps.dataSource, { email, password });
    await new Promise((r) => setTimeout(r, 5500)); // past the account cache window
    expect((await stack.request('GET', '/api/users/me', { token })).status).toBe(200);
  });
});

describe('GET /api/users/:id', () => {
  it('finds your own account whatever the case of the UUID', async () => {
    const me = await stack.customer('Case');
    const res = await stack.request('GET', `/api/users/${me.id.toUpperCase()}`, { token: me.token });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(me.id);
  });
});
