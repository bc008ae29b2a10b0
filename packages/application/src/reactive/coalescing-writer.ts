import * as Clock from "effect/Clock";
import * as Deferred from "effect/Deferred";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Latch from "effect/Latch";
import type * as Scope from "effect/Scope";

/**
 * Writes the latest state, never more often than needed. A notebook is stored whole, so a
 * write costs in proportion to the notebook: background requests (one per finished cell)
 * are folded together and written at most every `intervalMs`; `flush` (a mutation that must
 * be durable before it is acknowledged) writes at once. Either way the latest state wins.
 *
 * The writes happen in one fiber (`run`), which the owner forks in its scope; closing the scope
 * stops it. A write that fails is logged and counts as done: the next change writes again.
 * Time is effect's `Clock`, so `TestClock` drives the interval.
 */
export class CoalescingWriter {
  private requested = 0;
  private lastWriteEnd = Number.NEGATIVE_INFINITY;
  private waiters: Array<{ readonly target: number; readonly done: Deferred.Deferred<void> }> = [];
  /** Open while a request is not yet written. */
  private readonly dirty = Latch.makeUnsafe(false);
  /** Open while a flush waits: no interval is kept. */
  private readonly urgent = Latch.makeUnsafe(false);

  constructor(
    private readonly write: () => Effect.Effect<void>,
    private readonly intervalMs = 250,
  ) {}

  /** A writer whose fiber lives as long as the current scope. */
  static make(write: () => Effect.Effect<void>, intervalMs?: number): Effect.Effect<CoalescingWriter, never, Scope.Scope> {
    return Effect.suspend(() => {
      const writer = new CoalescingWriter(write, intervalMs);
      return Effect.as(Effect.forkScoped(writer.run()), writer);
    });
  }

  /** Durable: waits for a write that includes everything changed before the call. */
  flush(): Effect.Effect<void> {
    return Effect.suspend(() => {
      const done = Deferred.makeUnsafe<void>();
      this.waiters.push({ target: ++this.requested, done });
      this.urgent.openUnsafe();
      this.dirty.openUnsafe();
      return Deferred.await(done);
    });
  }

  /** Fire and forget (the run loop's per-cell save must not slow the next cell). */
  request(): void {
    ++this.requested;
    // Last: opening a latch may resume the writer at once, and it must see this request.
    this.dirty.openUnsafe();
  }

  /** The writing fiber's body: waits for a request, keeps the interval unless a flush waits, writes. */
  run(): Effect.Effect<never> {
    const once = Effect.gen({ self: this }, function* () {
      yield* this.dirty.await;
      const wait = this.lastWriteEnd + this.intervalMs - (yield* Clock.currentTimeMillis);
      if (this.waiters.length === 0 && wait > 0) yield* Effect.raceFirst(Effect.sleep(wait), this.urgent.await);
      this.dirty.closeUnsafe();
      this.urgent.closeUnsafe();
      const generation = this.requested;
      yield* this.write().pipe(Effect.catchCause((cause) => Effect.logError("notebook write failed; the next change writes it again", cause)));
      this.lastWriteEnd = yield* Clock.currentTimeMillis;
      const ready = this.waiters.filter((waiter) => waiter.target <= generation);
      this.waiters = this.waiters.filter((waiter) => waiter.target > generation);
      for (const waiter of ready) Deferred.doneUnsafe(waiter.done, Exit.void);
    });
    return Effect.forever(once);
  }
}
