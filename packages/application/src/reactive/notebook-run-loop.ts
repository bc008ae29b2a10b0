import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Fiber from "effect/Fiber";
import * as Latch from "effect/Latch";
import * as Queue from "effect/Queue";
import * as Scope from "effect/Scope";

/** What the run loop asks of its notebook session. */
export interface RunLoopSession {
  /** For the log of a run that failed. */
  readonly id: string;
  has(cellId: string): boolean;
  /** The cells to run for these roots, in order (their stale ancestors first, then their dependents). */
  plan(roots: readonly string[]): readonly string[];
  runCell(cellId: string): Effect.Effect<void>;
  /** Called after each cell of a plan has run. */
  ran(): void;
}

interface CurrentRun {
  readonly plan: readonly string[];
  readonly done: Set<string>;
  running: string | undefined;
  fiber: Fiber.Fiber<void> | undefined;
}

/**
 * A notebook's runs through one loop fiber, so it executes one cell at a time while other
 * notebooks' loops run in parallel. Cells queued while a plan runs are planned together once it
 * ends; an edit to the running cell interrupts the plan and queues what it had left.
 */
export class NotebookRunLoop {
  private pending: string[] = [];
  private current: CurrentRun | undefined;
  /** Open exactly when nothing is queued or running (what `idle` waits for). */
  private readonly quiet = Latch.makeUnsafe(true);
  private loop: Fiber.Fiber<void> | undefined;
  private stopped = false;

  private constructor(
    private readonly session: RunLoopSession,
    private readonly wake: Queue.Queue<void>,
  ) {}

  /** The loop fiber runs in `scope` until `stop`. */
  static start(session: RunLoopSession, scope: Scope.Scope): Effect.Effect<NotebookRunLoop> {
    return Effect.gen(function* () {
      const runs = new NotebookRunLoop(session, yield* Queue.unbounded<void>());
      runs.loop = yield* Effect.forkIn(runs.run(), scope);
      return runs;
    });
  }

  /** Whether a run is queued or in progress. */
  get busy(): boolean {
    return this.pending.length > 0 || this.current !== undefined;
  }

  /** The cell running now, if any. */
  get running(): string | undefined {
    return this.current?.running;
  }

  /** Resolves once nothing is queued or running. */
  get idle(): Effect.Effect<void> {
    return this.quiet.await;
  }

  enqueue(cellIds: readonly string[]): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.pending.push(...cellIds);
      this.quiet.closeUnsafe();
      return Queue.offer(this.wake, undefined).pipe(Effect.asVoid);
    });
  }

  /** Stops the current plan and queues what it had left (plus `restart`, re-run with its new code). */
  replan(restart: string | undefined): void {
    const current = this.current;
    if (!current) return;
    const left = current.plan.filter((id) => !current.done.has(id) && id !== current.running);
    this.pending.unshift(...(restart ? [restart] : []), ...left);
    // The run loop awaits this fiber, then plans what was queued.
    current.fiber?.interruptUnsafe();
    Queue.offerUnsafe(this.wake, undefined);
  }

  /** Drops what is queued and interrupts the loop and the cell running. */
  stop(): Effect.Effect<void> {
    return Effect.gen({ self: this }, function* () {
      this.stopped = true;
      this.pending = [];
      if (this.loop) yield* Fiber.interrupt(this.loop);
      if (this.current?.fiber) yield* Fiber.interrupt(this.current.fiber);
      this.current = undefined;
      this.quiet.openUnsafe();
    });
  }

  private run(): Effect.Effect<void> {
    return Effect.gen({ self: this }, function* () {
      while (!this.stopped) {
        yield* Queue.take(this.wake);
        while (this.pending.length > 0) {
          const roots = [...new Set(this.pending)].filter((id) => this.session.has(id));
          this.pending = [];
          const current: CurrentRun = { plan: this.session.plan(roots), done: new Set(), running: undefined, fiber: undefined };
          this.current = current;
          current.fiber = yield* Effect.forkChild(this.execute(current), { startImmediately: false });
          const exit = yield* Fiber.await(current.fiber);
          this.current = undefined;
          // Interrupted is a replan or a close; anything else is a bug, and the loop goes on.
          if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) yield* Effect.logError(`notebook ${this.session.id}: a run failed`, exit.cause);
        }
        this.quiet.openUnsafe();
      }
    });
  }

  private execute(current: CurrentRun): Effect.Effect<void> {
    return Effect.gen({ self: this }, function* () {
      for (const id of current.plan) {
        if (!this.session.has(id)) continue;
        current.running = id;
        yield* this.session.runCell(id);
        current.done.add(id);
        current.running = undefined;
        this.session.ran();
      }
    });
  }
}
