// The shop under test for the observability tests: startStack (stack.ts) with every component
// logging into one captured pino stream at debug level, the Temporal runtime exporting SDK
// metrics on a known port, and the workers' health and business-metrics endpoint running as in
// production.
import { Writable } from 'node:stream';
import type { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import type { Logger } from '../../common/logger';
import { freePort } from '../../scripts/dev-server';
import type { RunningWorkers } from '../../workers/run-worker';
import { type Stack, startStack } from './stack';

export type LogLine = Record<string, unknown> & { msg?: string; level?: string };

/** Every JSON line logged by the stack, in order. */
export class LogCapture extends Writable {
  readonly lines: LogLine[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n'))
      if (line.trim()) this.lines.push(JSON.parse(line) as LogLine);
    done();
  }
  where(pred: (l: LogLine) => boolean): LogLine[] {
    return this.lines.filter(pred);
  }
  /** Waits until some captured line satisfies `pred` (SDK logs arrive after the activation). */
  async waitFor(pred: (l: LogLine) => boolean, what: string, timeoutMs = 15_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline)
        throw new Error(`no log line ${what} within ${timeoutMs} ms (${this.lines.length} lines captured)`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export interface ObservedStack extends Stack {
  logs: LogCapture;
  log: Logger;
  sdkMetricsUrl: string;
  workerHttpUrl: string;
  workers: RunningWorkers;
  workerConnection: NativeConnection;
}

export async function startObservedStack(opts: { env?: Record<string, string> } = {}): Promise<ObservedStack> {
  const logs = new LogCapture();
  // The shop's logger options (common/logger.ts), writing into the capture instead of stdout.
  const log = pino(
    {
      level: 'debug',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    logs,
  );
  // All worker pools; the first runtime install in this test file wins: with SDK metrics on, as `npm run worker` runs.
  const stack = await startStack({
    env: { LOG_LEVEL: 'debug', ...(opts.env ?? {}) },
    log,
    sdkMetricsPort: await freePort(),
    workerHttp: true,
  });
  const { sdkMetricsUrl, workerHttpUrl, workers, workerConnection } = stack;
  if (!sdkMetricsUrl || !workerHttpUrl || !workers || !workerConnection)
    throw new Error('startStack did not start the SDK exporter, the worker pools and their endpoint');
  return Object.assign(stack, { logs, log, sdkMetricsUrl, workerHttpUrl, workers, workerConnection });
}
