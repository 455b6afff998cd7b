// Worker process for the trivial baseline workflow (task queue `bench-trivial`).
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';

export const TRIVIAL_TASK_QUEUE = 'bench-trivial';

export function createTrivialActivities() {
  return {
    async touch(n: number): Promise<number> {
      return n + 1;
    },
  };
}

/** `auto` (autoscaling) or a maximum number of concurrent polls. */
function pollers(spec: string): NonNullable<WorkerOptions['workflowTaskPollerBehavior']> {
  return spec === 'auto' ? { type: 'autoscaling' } : { type: 'simple-maximum', maximum: Number(spec) };
}

async function main(): Promise<void> {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  const worker = await Worker.create({
    connection,
    taskQueue: TRIVIAL_TASK_QUEUE,
    workflowsPath: path.join(__dirname, 'trivial.workflow.ts'),
    activities: createTrivialActivities(),
    // SDK defaults unless an experiment asks otherwise (bench/experiments/hop-latency.ts).
    ...(process.env.TRIVIAL_POLLERS
      ? {
          workflowTaskPollerBehavior: pollers(process.env.TRIVIAL_POLLERS),
          activityTaskPollerBehavior: pollers(process.env.TRIVIAL_POLLERS),
        }
      : {}),
  });
  process.on('SIGTERM', () => worker.shutdown());
  process.on('SIGINT', () => worker.shutdown());
  process.stdout.write('ready\n');
  await worker.run();
  await connection.close();
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
