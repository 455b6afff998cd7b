// pino everywhere, one JSON line per event. The correlation keys are fixed (requestId,
// userId, orderId, workflowId, runId) so one order can be followed across processes.
import pino, { type Logger } from 'pino';
import { getConfig } from './config';

export type { Logger };

let root: Logger | undefined;

export function createLogger(bindings: Record<string, unknown> = {}, level?: string): Logger {
  return pino({
    level: level ?? getConfig().LOG_LEVEL,
    base: { pid: process.pid, ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: ['password', '*.password', 'passwordHash', '*.passwordHash', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  });
}

/** The process-wide root logger; components take children of it. */
export function rootLogger(): Logger {
  root ??= createLogger();
  return root;
}
