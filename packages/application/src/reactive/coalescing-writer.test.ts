import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { CoalescingWriter } from "./coalescing-writer.js";

describe("CoalescingWriter", () => {
  it("folds background requests into few writes of the latest state", async () => {
    let state = 0;
    const writes: number[] = [];
    const writer = new CoalescingWriter(() => Effect.sync(() => void writes.push(state)), 20);
    for (let i = 1; i <= 100; i++) {
      state = i;
      writer.request();
    }
    await Effect.runPromise(writer.flush());
    expect(writes.at(-1)).toBe(100);
    expect(writes.length).toBeLessThanOrEqual(2);
  });

  it("flush writes at once, whatever the interval, and includes every earlier change", async () => {
    let state = 0;
    const writes: number[] = [];
    const writer = new CoalescingWriter(
      () => Effect.promise(async () => {
        const seen = state;
        await new Promise((resolve) => setTimeout(resolve, 5));
        writes.push(seen);
      }),
      60 * 60_000,
    );
    state = 1;
    writer.request();
    state = 2;
    await Effect.runPromise(writer.flush());
    expect(writes.at(-1)).toBe(2);
    state = 3;
    await Effect.runPromise(writer.flush());
    expect(writes.at(-1)).toBe(3);
  });
});
