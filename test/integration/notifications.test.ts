// E-mail delivery when the database goes away between the SMTP server's acceptance and the
// SENT mark: the message must still arrive exactly once (real SMTP listener, MariaDB cut with a
// TCP proxy, real Temporal retries).
import { randomUUID } from 'node:crypto';
import { EmailMessageEntity } from '../../db/entities';
import { eventually } from '../support/eventually';
import { type Stack, startStack } from '../support/stack';
import { TcpProxy } from '../support/tcp-proxy';
import { testEnv } from '../support/test-env';

let stack: Stack;
let proxy: TcpProxy;
beforeAll(async () => {
  const env = testEnv();
  proxy = await TcpProxy.start({ targetPort: Number(new URL(env.mysqlUrl).port || 3306) });
  const workersUrl = new URL(env.mysqlUrl);
  workersUrl.hostname = '127.0.0.1';
  workersUrl.port = String(proxy.port);
  // The workers reach MariaDB through the proxy; the gateway keeps the direct link.
  stack = await startStack({ env: { MYSQL_URL: workersUrl.toString() }, apiEnv: { MYSQL_URL: env.mysqlUrl } });
});
afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
});

/** Registers a customer whose welcome e-mail's acceptance cuts MariaDB for `outageMs`. */
async function registerWithOutageAfterAcceptance(outageMs: number) {
  const email = `mail-${randomUUID()}@example.test`;
  let cut = false;
  stack.smtp.onAccept = (mail) => {
    if (cut || !mail.to.includes(email)) return;
    cut = true;
    proxy.cut('reset');
    setTimeout(() => proxy.restore(), outageMs);
  };
  const res = await stack.request('POST', '/api/users/register', {
    body: { email, password: 'password123', name: 'Grace' },
  });
  expect(res.status).toBe(201);
  const messageKey = `welcome:${res.body.id}`;
  const row = await eventually(
    async () => {
      const found = await stack.api.dataSource.getRepository(EmailMessageEntity).findOneBy({ messageKey });
      return found?.status === 'SENT' ? found : undefined;
    },
    `${messageKey} marked SENT`,
    90_000,
  );
  expect(cut).toBe(true);
  expect(row.messageId).toBe(`<${messageKey}@temporal-shop>`);
  // Long enough for a retry that had lost track of the acceptance to have sent again.
  await new Promise((r) => setTimeout(r, 3000));
  return stack.smtp.to(email);
}

it('sends the welcome e-mail once when MariaDB drops for 3 s right after the SMTP server accepted it', async () => {
  expect(await registerWithOutageAfterAcceptance(3000)).toHaveLength(1);
});

it('sends it once when the outage outlasts the attempt (the next attempt learns of the acceptance from Temporal)', async () => {
  expect(await registerWithOutageAfterAcceptance(24_000)).toHaveLength(1);
}, 120_000);
