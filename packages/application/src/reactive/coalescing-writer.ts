import { Effect } from "effect";

/**
 * Writes the latest state, never more often than the store can take: requests that arrive
 * while a write is in flight are folded into one following write. `flush` resolves once a
 * write that started after the call has finished, so a caller's change is durable.
 */
export class CoalescingWriter {
  private requested = 0;
  private written = 0;
  private running = false;
  private waiters: Array<{ target: number; resolve: () => void }> = [];

  constructor(private readonly write: () => Effect.Effect<void>) {}

  /** Durable: waits for a write that includes everything changed before the call. */
  flush(): Effect.Effect<void> {
    return Effect.callback<void>((resume) => {
      const target = this.request();
      if (this.written >= target) return resume(Effect.void);
      this.waiters.push({ target, resolve: () => resume(Effect.void) });
    });
  }

  /** Fire and forget (the run loop's per-cell save must not slow the next cell). */
  request(): number {
    const target = ++this.requested;
    if (!this.running) {
      this.running = true;
      void this.drain();
    }
    return target;
  }

  private async drain(): Promise<void> {
    while (this.written < this.requested) {
      const generation = this.requested;
      await Effect.runPromise(this.write()).catch(() => undefined);
      this.written = generation;
      const ready = this.waiters.filter((waiter) => waiter.target <= generation);
      this.waiters = this.waiters.filter((waiter) => waiter.target > generation);
      for (const waiter of ready) waiter.resolve();
    }
    this.running = false;
  }
}
