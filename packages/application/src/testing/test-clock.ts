import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import { TestClock } from "effect/testing";
import type { Clock } from "../shared/clock.port.js";

/**
 * Runs `body` on effect's `TestClock`, handing it a `Clock` port that reads the same time: one
 * `TestClock.adjust(ms)` moves both the port's `now()` and every effect sleep (polls, leases,
 * heartbeats, backoff, timeouts), waking the sleeps in order, each seeing its own time. Nothing
 * waits in real time; a body that forgets to adjust simply never wakes.
 */
export function withTestClock<A, E>(body: (clock: Clock) => Effect.Effect<A, E, Scope.Scope>, start: Date | string = "2026-01-01T00:00:00.000Z"): Effect.Effect<A, E> {
  return Effect.gen(function* () {
    yield* TestClock.setTime(new Date(start).getTime());
    const clock = yield* TestClock.testClockWith((testClock) => Effect.succeed<Clock>({ now: () => new Date(testClock.currentTimeMillisUnsafe()) }));
    return yield* body(clock);
  }).pipe(Effect.scoped, Effect.provide(TestClock.layer()));
}

/**
 * Lets every fiber that is ready run until all wait again (on a sleep, a queue, a latch): a
 * bounded number of yields, no real time. Work started without a sleep (a publish waking a
 * subscriber, which wakes a loop, which forks a run) takes a few scheduler turns.
 */
export const settle: Effect.Effect<void> = Effect.forEach(Array.from({ length: 64 }), () => Effect.yieldNow, { discard: true });

/** Moves the test clock by `ms` (0: only what is due now), waking sleeps in order, then settles. */
export const advance = (ms: number): Effect.Effect<void> => Effect.andThen(settle, Effect.andThen(TestClock.adjust(ms), settle));
