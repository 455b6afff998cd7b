// How long one trip through the Temporal server takes ("a hop": a task scheduled until a
// poller has it), measured from the trivial workflow's history on an otherwise idle machine:
// dev server with plain arguments vs the shop's (scripts/dev-server.ts: search attributes and
// dynamic config), with and without other idle workers polling the same server.
//   tsx bench/experiments/hop-latency.ts [--shop-args] [--idle-workers=4] [--n=20]
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { devServerArgs, freePort, waitForTemporal } from '../../scripts/dev-server';
import { startChild, temporalCli } from '../env';
import { summarise } from '../load';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def;

async function main(): Promise<void> {
  const cli = temporalCli();
  const port = await freePort();
  const base = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--log-level',
    'warn',
    '--headless',
  ];
  const argv = args.includes('--shop-args') ? devServerArgs({ cli, port, headless: true }) : base;
  const server = spawn(cli, argv, { stdio: 'ignore' });
  const address = `127.0.0.1:${port}`;
  await waitForTemporal(address);
  const trivial = await startChild(
    'trivial-worker',
    ['--import', 'tsx', path.join(__dirname, '..', 'trivial', 'trivial-worker.ts')],
    { ...process.env, TEMPORAL_ADDRESS: address },
    () => undefined,
  );
  const idle: Worker[] = [];
  const conn = await NativeConnection.connect({ address });
  for (let k = 0; k < Number(opt('idle-workers', '0')); k++) {
    idle.push(await Worker.create({ connection: conn, taskQueue: `idle-${k}`, activities: { async nothing() {} } }));
  }
  const running = idle.map((w) => w.run());
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const hops: number[] = [];
  const totals: number[] = [];
  const one = async () => {
    const t = performance.now();
    const h = await client.workflow.start('benchTrivial', {
      taskQueue: 'bench-trivial',
      workflowId: `hop-${randomUUID()}`,
      args: [1],
    });
    await h.result();
    totals.push(performance.now() - t);
    const ev = (await h.fetchHistory()).events!;
    const ts = ev.map((e) => Number(e.eventTime!.seconds) * 1000 + e.eventTime!.nanos! / 1e6);
    hops.push(ts[2] - ts[1], ts[6] - ts[5], ts[9] - ts[8]); // WFT, activity, WFT: scheduled → started
  };
  const rate = Number(opt('rate', '0'));
  if (rate > 0) {
    // Open loop at `rate` workflows per second (n of them).
    const pending: Promise<void>[] = [];
    for (let k = 0; k < Number(opt('n', '20')); k++) {
      pending.push(one());
      await new Promise((r) => setTimeout(r, 1000 / rate));
    }
    await Promise.all(pending);
  } else {
    for (let k = 0; k < Number(opt('n', '20')); k++) {
      await one();
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const h = summarise(hops);
  const tt = summarise(totals.slice(2));
  process.stdout.write(
    `${args.join(' ') || '(plain)'}: hop p50 ${h.p50.toFixed(1)} ms, p90 ${h.p90.toFixed(1)} ms; workflow start→result p50 ${tt.p50.toFixed(1)} ms\n`,
  );
  for (const w of idle) w.shutdown();
  await Promise.all(running);
  await conn.close();
  await connection.close();
  await trivial.stop();
  server.kill('SIGTERM');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
