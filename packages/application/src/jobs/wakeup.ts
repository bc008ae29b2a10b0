import { Effect } from "effect";

/**
 * A sleep that ends early when someone calls `notify()`. A notify with nobody waiting is
 * remembered, so a wake-up between "checked for work" and "went to sleep" is never lost.
 */
export class Wakeup {
  private readonly waiters = new Set<() => void>();
  private pending = false;

  notify(): void {
    if (this.waiters.size === 0) {
      this.pending = true;
      return;
    }
    for (const waiter of [...this.waiters]) waiter();
  }

  wait(ms: number): Effect.Effect<void> {
    return Effect.callback<void>((resume) => {
      if (this.pending) {
        this.pending = false;
        resume(Effect.void);
        return;
      }
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resume(Effect.void);
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
      return Effect.sync(() => {
        clearTimeout(timer);
        this.waiters.delete(done);
      });
    });
  }
}
