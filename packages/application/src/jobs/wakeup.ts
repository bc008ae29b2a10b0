import * as Effect from "effect/Effect";
import * as Latch from "effect/Latch";

/**
 * A sleep that ends early when someone calls `notify()`: a `Latch` opened by `notify` and
 * closed by the waiter as it wakes. A notify with nobody waiting leaves the latch open, so
 * a wake-up between "checked for work" and "went to sleep" is never lost (and the next wait
 * returns at once, without arming a timer). The sleep is effect's, so `TestClock` drives it
 * in tests.
 */
export class Wakeup {
  private readonly latch = Latch.makeUnsafe(false);

  notify(): void {
    Latch.openUnsafe(this.latch);
  }

  wait(ms: number): Effect.Effect<void> {
    return Effect.suspend(() =>
      Latch.closeUnsafe(this.latch) ? Effect.void : this.latch.await.pipe(Effect.timeoutOption(Math.max(0, ms)), Effect.andThen(this.latch.close), Effect.asVoid),
    );
  }

  /** Waits for the next `notify()` (or returns at once after one nobody waited for), with no timer. */
  get notified(): Effect.Effect<void> {
    return Effect.suspend(() => (Latch.closeUnsafe(this.latch) ? Effect.void : Effect.andThen(this.latch.await, this.latch.close)));
  }
}
