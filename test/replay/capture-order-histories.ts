// Regenerates the committed placeOrder histories (test/replay/histories/*.json) that the replay
// test replays against the current workflow code. Run it after an intended, compatible change of
// the workflow has shipped (new histories then exercise the new code paths); never to "fix" a
// failing replay test: a failure there means running orders would break (use patched()).
//
// Usage: npx tsx test/replay/capture-order-histories.ts [scenario...]
// Needs what the integration tests need (MariaDB, Redis, the temporal CLI): it starts the same
// throwaway dev server and database, drives each scenario of test/support/orders-scenarios.ts
// over HTTP, and writes each closed run's history as proto-JSON (test/replay/history-json.ts).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import globalSetup from '../support/global-setup';
import globalTeardown from '../support/global-teardown';
import { historyToJson } from './history-json';
import { orderHandle } from '../support/orders-fixtures';
import { CAPTURE_PAYMENT_TIMEOUT_MS, REPLAY_SCENARIOS } from '../support/orders-scenarios';
import { startStack } from '../support/stack';

export const HISTORIES_DIR = path.resolve(__dirname, 'histories');

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((n) => !(n in REPLAY_SCENARIOS));
  if (unknown.length)
    throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(REPLAY_SCENARIOS).join(', ')}`);
  await globalSetup();
  const stack = await startStack({ env: { ORDER_PAYMENT_TIMEOUT_MS: String(CAPTURE_PAYMENT_TIMEOUT_MS) } });
  try {
    for (const [name, run] of Object.entries(REPLAY_SCENARIOS)) {
      if (wanted.length && !wanted.includes(name)) continue;
      const orderId = await run(stack);
      const handle = orderHandle(stack, orderId);
      await handle.result();
      const history = await handle.fetchHistory();
      const file = path.join(HISTORIES_DIR, `${name}.json`);
      writeFileSync(file, `${JSON.stringify(historyToJson(history), null, 2)}\n`);
      console.log(`${name}: ${history.events?.length} events → ${path.relative(process.cwd(), file)}`);
    }
  } finally {
    await stack.stop();
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
