// Captures placeOrder histories (test/replay/histories/*.json) that the replay test replays
// against the current workflow code. Run it after an intended, compatible change of the workflow
// has shipped, for the new code paths; never to "fix" a failing replay test: a failure there
// means running orders would break (use patched()).
//
// An existing history is never overwritten: it records how runs begun under older code behave,
// which replay must keep proving. A path the new code takes differently gets a new scenario name
// (test/support/orders-scenarios.ts); to re-capture one deliberately, delete its file first.
//
// Usage: npx tsx test/replay/capture-order-histories.ts [scenario...]   (default: every scenario
// without a history yet)
// Needs what the integration tests need (MariaDB, Redis, the temporal CLI): it starts the same
// throwaway dev server and database, drives each scenario over HTTP, and writes each closed run's
// history as proto-JSON (test/replay/history-json.ts).
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import globalSetup from '../support/global-setup';
import globalTeardown from '../support/global-teardown';
import { historyToJson } from './history-json';
import { orderHandle } from '../support/orders-fixtures';
import { CAPTURE_PAYMENT_TIMEOUT_MS, type CaptureContext, REPLAY_SCENARIOS } from '../support/orders-scenarios';
import { type Stack, startStack } from '../support/stack';
import { TcpProxy } from '../support/tcp-proxy';
import { testEnv } from '../support/test-env';

export const HISTORIES_DIR = path.resolve(__dirname, 'histories');

const fileOf = (name: string) => path.join(HISTORIES_DIR, `${name}.json`);

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((n) => !(n in REPLAY_SCENARIOS));
  if (unknown.length)
    throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(REPLAY_SCENARIOS).join(', ')}`);
  const kept = wanted.filter((n) => existsSync(fileOf(n)));
  if (kept.length) throw new Error(`already captured (delete the file to re-capture): ${kept.join(', ')}`);
  const todo = (wanted.length ? wanted : Object.keys(REPLAY_SCENARIOS)).filter((n) => !existsSync(fileOf(n)));
  if (!todo.length) {
    console.log('every scenario has a history');
    return;
  }

  await globalSetup();
  const env = testEnv();
  const mysql = new URL(env.mysqlUrl);
  const db = await TcpProxy.start({ targetHost: mysql.hostname, targetPort: Number(mysql.port || 3306) });
  const proxied = new URL(env.mysqlUrl);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(db.port);
  const stack = await startStack({
    domains: ['users', 'orders', 'notifications'],
    env: {
      ORDER_PAYMENT_TIMEOUT_MS: String(CAPTURE_PAYMENT_TIMEOUT_MS),
      ROUTE_DEADLINE_MS: '5000',
      MYSQL_URL: proxied.toString(),
    },
    apiEnv: { MYSQL_URL: env.mysqlUrl },
  });
  let catalog: Stack | undefined = await startStack({ domains: ['catalog'] });
  const ctx: CaptureContext = {
    stack,
    db,
    async stopCatalog() {
      await catalog?.stop();
      catalog = undefined;
    },
    async startCatalog() {
      catalog ??= await startStack({ domains: ['catalog'] });
    },
  };
  try {
    for (const name of todo) {
      const orderId = await REPLAY_SCENARIOS[name](ctx);
      const handle = orderHandle(stack, orderId);
      // A failed run (intake-failed) is a path too; what each history must show, replay.test.ts checks.
      await handle.result().catch(() => undefined);
      const history = await handle.fetchHistory();
      writeFileSync(fileOf(name), `${JSON.stringify(historyToJson(history), null, 2)}\n`);
      console.log(`${name}: ${history.events?.length} events → ${path.relative(process.cwd(), fileOf(name))}`);
      await ctx.startCatalog();
    }
  } finally {
    await catalog?.stop();
    await stack.stop();
    await db.close();
    await globalTeardown();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
