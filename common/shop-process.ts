// A shop as this OS process (the binaries: gateway, worker pools, `npm start`; never the tests):
// runs until SIGINT/SIGTERM, the worker pools' end or a fatal error, then stops the shop within
// its bound and exits, non-zero after a failure.
import type { Logger } from './logger';
import { type Shop, shutdownBoundMs } from './shop';

/** How long a process asked to stop while it starts waits for the start to settle. */
const START_ABORT_MS = 15_000;

export function runShopProcess(name: string, log: Logger, start: () => Promise<Shop>): void {
  let shop: Shop | undefined;
  let exitCode: number | undefined;
  const exit = (code: number, reason: string) => {
    const first = exitCode === undefined;
    exitCode = Math.max(exitCode ?? 0, code);
    process.exitCode = exitCode;
    if (!first) return;
    if (!shop) {
      // Still starting: stopped once start() settles, unless it is stuck (say, connecting).
      setTimeout(() => process.exit(exitCode), START_ABORT_MS).unref();
      return;
    }
    // A backstop over stop()'s own bound: this process exits whatever a dependency does.
    setTimeout(() => process.exit(exitCode), shutdownBoundMs(shop.config) + 2_000).unref();
    // The Temporal native runtime keeps the event loop alive after the workers have drained.
    void shop.stop(reason).finally(() => process.exit(exitCode));
  };
  process.on('SIGINT', () => exit(0, 'SIGINT'));
  process.on('SIGTERM', () => exit(0, 'SIGTERM'));
  // An error nothing handled leaves this process in an unknown state: stop it, exit non-zero, let the supervisor restart.
  const fatal = (kind: string) => (err: unknown) => {
    log.fatal({ err }, `${name}: ${kind}`);
    exit(1, kind);
  };
  process.on('unhandledRejection', fatal('unhandledRejection'));
  process.on('uncaughtException', fatal('uncaughtException'));

  start().then(
    (started) => {
      shop = started;
      if (exitCode !== undefined) {
        const code = exitCode;
        exitCode = undefined;
        return exit(code, 'stop requested during start');
      }
      started.done.then(
        () => exit(0, 'workers exited'),
        (err) => {
          log.fatal({ err }, `${name}: worker failed`);
          exit(1, 'worker failed');
        },
      );
    },
    (err) => {
      log.fatal({ err }, `${name} failed to start`);
      process.exit(1);
    },
  );
}
