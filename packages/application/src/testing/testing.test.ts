import { Effect, PubSub, Stream } from "effect";
import { describe, expect, it } from "vitest";
import type { Clock } from "../shared/clock.port.js";
import { fixedClock, recordStream, sequentialIds, strictFake } from "./index.js";

interface Store {
  get(id: string): string;
  put(id: string, value: string): void;
}

describe("application test kit", () => {
  it("a strict fake answers what it was given and fails on anything else, naming the port", async () => {
    const store = strictFake<Store>("Store", { get: (id) => `value of ${id}` });
    expect(store.get("a")).toBe("value of a");
    expect(() => store.put("a", "b")).toThrow("strictFake(Store): the test did not implement put");
    // Awaiting a fake must not trip the guard (Promise resolution probes `then`).
    await expect(Promise.resolve(store).then((s) => s.get("b"))).resolves.toBe("value of b");
  });

  it("a fixed clock stands still until moved", () => {
    const clock: Clock & { advance(ms: number): void } = fixedClock("2026-03-01T10:00:00.000Z");
    expect(clock.now().toISOString()).toBe("2026-03-01T10:00:00.000Z");
    expect(clock.now().toISOString()).toBe("2026-03-01T10:00:00.000Z");
    clock.advance(1500);
    expect(clock.now().toISOString()).toBe("2026-03-01T10:00:01.500Z");
    expect(() => fixedClock("not a date")).toThrow("is not a date");
  });

  it("ids come in order with the prefix", () => {
    const ids = sequentialIds("job");
    expect([ids.next(), ids.next(), ids.next()]).toEqual(["job-1", "job-2", "job-3"]);
  });

  it("records a stream from the moment it is subscribed, until it ends", async () => {
    const pubsub = await Effect.runPromise(PubSub.unbounded<number>());
    await Effect.runPromise(PubSub.publish(pubsub, 0));
    const recorded: number[] = [];
    await recordStream(Effect.map(PubSub.subscribe(pubsub), Stream.fromSubscription), (n) => recorded.push(n));
    await Effect.runPromise(PubSub.publishAll(pubsub, [1, 2]));
    await expect.poll(() => recorded).toEqual([1, 2]);
    await expect(recordStream(Effect.fail(new Error("gone")), () => undefined)).rejects.toThrow("gone");
  });
});
