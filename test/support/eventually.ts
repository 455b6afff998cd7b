// Polling for the integration tests that wait on asynchronous effects (workflows, visibility,
// metrics scrapes). orders-fixtures.ts has its own variant (truthy result, 50 ms steps).

/** Polls `fn` every 200 ms until it returns something other than undefined; throws after `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
