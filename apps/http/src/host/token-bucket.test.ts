import { describe, expect, it } from "vitest";
import { TokenBucket, TokenBuckets } from "./token-bucket.js";

/** A clock the test moves by hand. */
const manualClock = () => {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
};

describe("TokenBucket", () => {
  it("lets a burst through, then asks for the whole seconds until the next token", () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ perSecond: 2, burst: 3 }, clock.now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBe(1);
    clock.advance(500);
    expect(bucket.take()).toBe(0);
    expect(bucket.take()).toBe(1);
  });

  it("refills at its rate up to the burst, never beyond", () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ perSecond: 1, burst: 2 }, clock.now);
    bucket.take();
    bucket.take();
    clock.advance(60_000);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 1]);
  });

  it("a slow rate gives a long Retry-After; rate 0 is no limit", () => {
    const clock = manualClock();
    const slow = new TokenBucket({ perSecond: 0.1, burst: 1 }, clock.now);
    slow.take();
    expect(slow.take()).toBe(10);
    const unlimited = new TokenBucket({ perSecond: 0, burst: 1 }, clock.now);
    for (let i = 0; i < 100; i++) expect(unlimited.take()).toBe(0);
  });
});

describe("TokenBuckets", () => {
  it("keeps one bucket per client, at most maxKeys of them, forgetting the least recently used", () => {
    const clock = manualClock();
    const buckets = new TokenBuckets({ perSecond: 1, burst: 1 }, 2, clock.now);
    expect(buckets.take("a")).toBe(0);
    expect(buckets.take("b")).toBe(0);
    expect(buckets.take("a")).toBe(1);
    expect(buckets.take("c")).toBe(0);
    expect(buckets.size).toBe(2);
    // b was the least recently used: forgotten, so it starts full again; a is still empty.
    expect(buckets.take("b")).toBe(0);
    expect(buckets.size).toBe(2);
  });
});
