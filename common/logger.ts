// pino everywhere, one JSON line per event (one readable line on a terminal). The correlation keys are fixed (requestId,
// userId, orderId, workflowId, runId) so one order can be followed across processes.
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { getConfig } from './config';

export type { Logger };

let root: Logger | undefined;

function destination(): DestinationStream | undefined {
  const format = getConfig().LOG_FORMAT;
  if (format === 'json' || (format === 'auto' && !process.stdout.isTTY)) return undefined;
  return pretty({ sync: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
}

export function createLogger(bindings: Record<string, unknown> = {}, level?: string): Logger {
  const options: pino.LoggerOptions = {
    level: level ?? getConfig().LOG_LEVEL,
    base: { pid: process.pid, ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: ['password', '*.password', 'passwordHash', '*.passwordHash', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  };
  const stream = destination();
  return stream ? pino(options, stream) : pino(options);
}

/** The process-wide root logger; components take children of it. */
export function rootLogger(): Logger {
  root ??= createLogger();
  return root;
}
