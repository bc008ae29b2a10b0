import * as Cause from "effect/Cause";
import * as Channel from "effect/Channel";
import * as Effect from "effect/Effect";
import * as Scope from "effect/Scope";
import * as Stream from "effect/Stream";
import type * as Semaphore from "effect/Semaphore";
import type { KernelEvent, KernelRunResult } from "@parallax/application/reactive";

/** How a running cell hands over a chunk of its stdout or stderr as it prints it. */
export type EmitChunk = (stream: "stdout" | "stderr", text: string) => void;

/**
 * One request to a kernel (a process, a worker, a database connection) as an effect, one at a
 * time under `lock`, in call order. Interrupting it aborts the request and waits until it has
 * settled, so the permit passes on only once the kernel is idle again: the next request never
 * meets the previous one's messages. The request's own failures are defects: a kernel reports
 * a cell's failure as a result.
 */
export function serially<A>(lock: Semaphore.Semaphore, request: (signal: AbortSignal) => Promise<A>): Effect.Effect<A> {
  return lock.withPermit(
    Effect.callback<A>((resume) => {
      const controller = new AbortController();
      const settled = request(controller.signal).then(
        (value) => resume(Effect.succeed(value)),
        (error: unknown) => resume(Effect.die(error)),
      );
      return Effect.promise(() => {
        controller.abort();
        return settled;
      });
    }),
  );
}

/**
 * A cell's run as the `Kernel` port's stream, under `lock` as `serially` runs a request: the
 * chunks `request` emits as the cell prints, then its result. Closing the stream early
 * (its consumer interrupted) aborts the request and waits until it has settled.
 *
 * The consumer's own fiber waits for the next events, woken directly by the kernel's message:
 * no fiber or `Queue` of the stream's own. A `Queue` wakes its taker on a later turn of the event
 * loop (`Stream.callback` made 1,005 such turns in a 1,000-cell run, this makes none), which cost
 * every cell about 0.1 ms in `npm run bench -- reactive-run`.
 */
export function seriallyStreamed(lock: Semaphore.Semaphore, request: (emit: EmitChunk, signal: AbortSignal) => Promise<KernelRunResult>): Stream.Stream<KernelEvent> {
  return Stream.fromChannel(
    Channel.fromTransform((_, scope) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(restore(lock.take(1)), () => {
          const inbox = new Inbox<KernelEvent>();
          const controller = new AbortController();
          const settled = request((name, text) => inbox.push({ type: "stream", name, text }), controller.signal).then(
            (result) => inbox.end({ type: "result", result }),
            (error: unknown) => inbox.die(error),
          );
          const stop = Effect.suspend(() => {
            if (inbox.settled) return Effect.void;
            controller.abort();
            return Effect.promise(() => settled);
          });
          return Effect.as(Scope.addFinalizer(scope, Effect.andThen(stop, lock.release(1))), inbox.pull);
        }),
      ),
    ),
  );
}

/** What a request sent and the stream's consumer has not pulled yet; at most one pull waits. */
class Inbox<A> {
  private buffered: A[] = [];
  private ended = false;
  private defect: { readonly error: unknown } | undefined;
  private waiting: ((next: Effect.Effect<readonly [A, ...A[]], Cause.Done>) => void) | undefined;

  get settled(): boolean {
    return this.ended || this.defect !== undefined;
  }

  push(value: A): void {
    this.buffered.push(value);
    this.wake();
  }

  end(last: A): void {
    this.buffered.push(last);
    this.ended = true;
    this.wake();
  }

  die(error: unknown): void {
    this.defect = { error };
    this.wake();
  }

  /** Everything buffered, at once; waits while nothing is; `Done` after the last. */
  readonly pull = Effect.callback<readonly [A, ...A[]], Cause.Done>((resume) => {
    const next = this.next();
    if (next) return resume(next);
    this.waiting = resume;
    return Effect.sync(() => {
      this.waiting = undefined;
    });
  });

  private next(): Effect.Effect<readonly [A, ...A[]], Cause.Done> | undefined {
    if (this.buffered.length > 0) {
      const batch = this.buffered as [A, ...A[]];
      this.buffered = [];
      return Effect.succeed(batch);
    }
    if (this.defect) return Effect.die(this.defect.error);
    return this.ended ? Cause.done() : undefined;
  }

  private wake(): void {
    const resume = this.waiting;
    const next = resume && this.next();
    if (!resume || !next) return;
    this.waiting = undefined;
    resume(next);
  }
}
