import { Effect, Logger, type Scope } from "effect";
import { TestClock } from "effect/testing";
import { describe, expect, it } from "vitest";
import { CoalescingWriter } from "./coalescing-writer.js";

const run = <A>(effect: Effect.Effect<A, never, Scope.Scope>) => Effect.runPromise(Effect.scoped(effect));

describe("CoalescingWriter", () => {
  it("folds background requests into few writes of the latest state", async () => {
    let state = 0;
    const writes: number[] = [];
    await run(
      Effect.gen(function* () {
        const writer = yield* CoalescingWriter.make(() => Effect.sync(() => void writes.push(state)), 20);
        for (let i = 1; i <= 100; i++) {
          state = i;
          writer.request();
        }
        yield* writer.flush();
      }),
    );
    expect(writes.at(-1)).toBe(100);
    expect(writes.length).toBeLessThanOrEqual(2);
  });

  it("flush writes at once, whatever the interval, and includes every earlier change", async () => {
    let state = 0;
    const writes: number[] = [];
    const write = () =>
      Effect.promise(async () => {
        const seen = state;
        await new Promise((resolve) => setTimeout(resolve, 5));
        writes.push(seen);
      });
    await run(
      Effect.gen(function* () {
        const writer = yield* CoalescingWriter.make(write, 60 * 60_000);
        state = 1;
        writer.request();
        state = 2;
        yield* writer.flush();
        expect(writes.at(-1)).toBe(2);
        state = 3;
        yield* writer.flush();
        expect(writes.at(-1)).toBe(3);
      }),
    );
  });

  it("keeps the interval between background writes (on effect's clock)", async () => {
    const writes: number[] = [];
    await run(
      Effect.gen(function* () {
        const writer = yield* CoalescingWriter.make(() => Effect.sync(() => void writes.push(writes.length)), 1_000);
        writer.request();
        yield* Effect.yieldNow;
        expect(writes).toEqual([0]);
        writer.request();
        yield* TestClock.adjust(999);
        expect(writes).toEqual([0]);
        yield* TestClock.adjust(1);
        expect(writes).toEqual([0, 1]);
      }).pipe(Effect.provide(TestClock.layer())),
    );
  });

  it("logs a failed write, never swallows it, and writes again on the next change", async () => {
    const logged: unknown[] = [];
    let fail = true;
    const writes: string[] = [];
    const write = () => Effect.suspend(() => (fail ? Effect.die(new Error("disk full")) : Effect.sync(() => void writes.push("ok"))));
    await run(
      Effect.gen(function* () {
        const writer = yield* CoalescingWriter.make(write, 0);
        yield* writer.flush();
        fail = false;
        yield* writer.flush();
      }).pipe(Effect.provide(Logger.layer([Logger.make(({ message }) => void logged.push(message))]))),
    );
    expect(JSON.stringify(logged)).toContain("notebook write failed");
    expect(writes).toEqual(["ok"]);
  });
});
