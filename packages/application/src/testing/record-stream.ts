import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Stream from "effect/Stream";
import type * as Scope from "effect/Scope";

/**
 * Subscribes (`subscribe` makes a stream that starts listening in its scope, as
 * `ReactiveNotebooks.events` does) and hands every element to `record` until the stream ends.
 * Resolves once subscribed, so nothing published after it is missed; the subscription lives on
 * in its own fiber, whose end ends it.
 */
export function recordStream<A, E>(subscribe: Effect.Effect<Stream.Stream<A>, E, Scope.Scope>, record: (element: A) => void): Promise<void> {
  return new Promise((subscribed, failed) => {
    const recording = Effect.gen(function* () {
      const stream = yield* subscribe;
      subscribed();
      yield* Stream.runForEach(stream, (element) => Effect.sync(() => record(element)));
    });
    Effect.runFork(Effect.scoped(recording)).addObserver((exit) => {
      if (Exit.isFailure(exit)) failed(Cause.squash(exit.cause));
    });
  });
}
