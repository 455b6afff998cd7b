// The integration events this process is publishing and the broker has not confirmed yet: the
// source of shop_event_oldest_unconfirmed_seconds (alert IntegrationEventsUnconfirmed). An
// attempt that fails leaves its event here; the retry may run in another process, so an event
// not attempted here for `forgetAfterMs` is forgotten rather than reported for ever.
export class UnconfirmedEvents {
  private readonly events = new Map<string, { changedAtMs: number; lastAttemptAtMs: number }>();

  /**
   * @param forgetAfterMs longer than the publish retry's maximum interval (1 min) plus an
   *   attempt's start-to-close timeout (30 s), so a retried event is still here at its next attempt.
   */
  constructor(private readonly forgetAfterMs = 3 * 60_000) {}

  /** An attempt to publish the event (its `time`: the change it reports) begins. */
  attempting(id: string, changedAtMs: number, now = Date.now()): void {
    this.events.set(id, { changedAtMs, lastAttemptAtMs: now });
  }

  /** Confirmed by the broker: forgotten; returns how long after the change that was (ms). */
  confirmed(id: string, now = Date.now()): number | undefined {
    const e = this.events.get(id);
    this.events.delete(id);
    return e && Math.max(0, now - e.changedAtMs);
  }

  /** Age of the oldest change not yet confirmed (ms; 0 when every event is confirmed). */
  oldestAgeMs(now = Date.now()): number {
    let oldest = 0;
    for (const [id, e] of this.events) {
      if (now - e.lastAttemptAtMs > this.forgetAfterMs) this.events.delete(id);
      else oldest = Math.max(oldest, now - e.changedAtMs);
    }
    return oldest;
  }

  get size(): number {
    return this.events.size;
  }
}
