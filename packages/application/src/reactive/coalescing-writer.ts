import { Effect } from "effect";

/**
 * Writes the latest state, never more often than needed. A notebook is stored whole, so a
 * write costs in proportion to the notebook: background requests (one per finished cell)
 * are folded together and written at most every `intervalMs`; `flush` (a mutation that must
 * be durable before it is acknowledged) writes at once. Either way the latest state wins.
 */
export class CoalescingWriter {
  private requested = 0;
  private written = 0;
  private running = false;
  private lastWriteEnd = Number.NEGATIVE_INFINITY;
  private waiters: Array<{ target: number; resolve: () => void }> = [];
  private wakeEarly: (() => void) | undefined;

  constructor(
    private readonly write: () => Effect.Effect<void>,
    private readonly intervalMs = 250,
  ) {}

  /** Durable: waits for a write that includes everything changed before the call. */
  flush(): Effect.Effect<void> {
    return Effect.callback<void>((resume) => {
      const target = this.request();
      if (this.written >= target) return resume(Effect.void);
      this.waiters.push({ target, resolve: () => resume(Effect.void) });
      this.wakeEarly?.();
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
      const wait = this.lastWriteEnd + this.intervalMs - performance.now();
      if (this.waiters.length === 0 && wait > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.wakeEarly = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeEarly = undefined;
      }
      const generation = this.requested;
      await Effect.runPromise(this.write()).catch(() => undefined);
      this.lastWriteEnd = performance.now();
      this.written = generation;
      const ready = this.waiters.filter((waiter) => waiter.target <= generation);
      this.waiters = this.waiters.filter((waiter) => waiter.target > generation);
      for (const waiter of ready) waiter.resolve();
    }
    this.running = false;
  }
}
