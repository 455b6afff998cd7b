// Database round trips per order, per process: each shop process is restarted with its MySQL
// connection going through a counting TCP proxy (one per process) that counts the client's
// commands (COM_QUERY / COM_STMT_EXECUTE packets), then orders are placed one after the other
// until PAID and their e-mail sent.
//   tsx bench/experiments/query-count.ts [--orders=20]
import net from 'node:net';
import { setupEnv } from '../env';
import { closeAgents, send } from '../load';

const opt = (name: string, def: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def;
const ORDERS = Number(opt('orders', '20'));
const COMMANDS: Record<number, string> = { 0x03: 'query', 0x16: 'prepare', 0x17: 'execute', 0x0e: 'ping' };

interface Counter {
  port: number;
  counts: Record<string, number>;
  statements: Map<string, number>;
  close(): void;
}

/** A proxy to MariaDB that counts the commands clients send (MySQL packets: 3-byte length, sequence, payload). */
async function countingProxy(target: { host: string; port: number }): Promise<Counter> {
  const counts: Record<string, number> = {};
  const statements = new Map<string, number>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    let buf = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4) {
        const len = buf.readUIntLE(0, 3);
        if (buf.length < 4 + len) break;
        const seq = buf[3];
        if (seq === 0 && len > 0) {
          const cmd = COMMANDS[buf[4]] ?? `0x${buf[4].toString(16)}`;
          counts[cmd] = (counts[cmd] ?? 0) + 1;
          if (buf[4] === 0x03) {
            const sql = buf
              .subarray(5, 4 + len)
              .toString('utf8')
              .replace(/\s+/g, ' ')
              .replace(/'[^']*'|\b\d+\b/g, '?')
              .slice(0, 70);
            statements.set(sql, (statements.get(sql) ?? 0) + 1);
          }
        }
        buf = buf.subarray(4 + len);
      }
    });
    upstream.on('data', (c) => client.write(c));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    counts,
    statements,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

async function main(): Promise<void> {
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const env = await setupEnv({ customers: 2, orderProducts: 5, log });
  const proxies: Record<string, Counter> = {};
  try {
    const url = new URL(env.mysqlUrl.replace(/^mariadb:/, 'mysql:'));
    const original = env.shopEnv.MYSQL_URL!;
    for (const name of ['api', 'catalog', 'orders', 'notifications']) {
      proxies[name] = await countingProxy({ host: url.hostname, port: Number(url.port || 3306) });
      env.shopEnv.MYSQL_URL = original.replace(/@([^/]+)\//, `@127.0.0.1:${proxies[name].port}/`);
      await env.restartShopProcess(name);
    }
    env.shopEnv.MYSQL_URL = original;
    const place = async (k: number) => {
      const c = env.customers[k % env.customers.length];
      const res = await send(env.apiUrl, {
        method: 'POST',
        path: '/api/orders',
        headers: { authorization: `Bearer ${c.token}`, 'idempotency-key': `count-${k}-${Date.now()}` },
        body: JSON.stringify({ items: [{ productId: env.orderProducts[k % env.orderProducts.length], quantity: 1 }] }),
      });
      const id = (JSON.parse(res.body) as { id: string }).id;
      for (;;) {
        const [rows] = await env.db.query(
          'SELECT o.status, (SELECT status FROM email_messages WHERE message_key = ?) AS mail FROM orders o WHERE o.id = ?',
          [`order-paid:${id}`, id],
        );
        const row = (rows as { status: string; mail: string | null }[])[0];
        if (row?.status === 'PAID' && row.mail === 'SENT') return;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await place(0); // warm-up (connections, principal cache)
    await new Promise((r) => setTimeout(r, 500));
    const before = Object.fromEntries(Object.entries(proxies).map(([k, p]) => [k, { ...p.counts }]));
    for (const p of Object.values(proxies)) p.statements.clear();
    for (let k = 1; k <= ORDERS; k++) await place(k);
    await new Promise((r) => setTimeout(r, 500));
    const rows: string[] = ['| process | DB commands per order | of which |', '|---|---|---|'];
    let total = 0;
    for (const [name, p] of Object.entries(proxies)) {
      const per = Object.fromEntries(
        Object.entries(p.counts).map(([k, v]) => [k, (v - (before[name][k] ?? 0)) / ORDERS]),
      );
      const sum = Object.values(per).reduce((a, b) => a + b, 0);
      total += sum;
      const top = [...p.statements]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([sql, n]) => `${(n / ORDERS).toFixed(1)}× ${sql}`)
        .join('<br>');
      rows.push(`| ${name} | ${sum.toFixed(1)} | ${top} |`);
    }
    rows.push(`| **all** | **${total.toFixed(1)}** | |`);
    process.stdout.write(`${rows.join('\n')}\n`);
  } finally {
    closeAgents();
    await env.teardown();
    for (const p of Object.values(proxies)) p.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
