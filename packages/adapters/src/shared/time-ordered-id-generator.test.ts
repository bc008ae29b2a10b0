import { z } from "zod";
import { describe, expect, it } from "vitest";
import { TimeOrderedIdGenerator } from "./time-ordered-id-generator.js";

describe("TimeOrderedIdGenerator", () => {
  it("makes UUIDs of version 7 whose text sorts in the order they were made, thousands within one millisecond", () => {
    const ids = new TimeOrderedIdGenerator();
    const before = Date.now();
    const made = Array.from({ length: 20_000 }, () => ids.next());
    for (let i = 1; i < made.length; i++) expect(made[i - 1]! < made[i]!).toBe(true);
    expect(new Set(made).size).toBe(made.length);
    expect(made.every((id) => z.uuid().safeParse(id).success && id[14] === "7")).toBe(true);
    // The first 48 bits are the millisecond it was made in (or a later one borrowed).
    expect(parseInt(made[0]!.replace("-", "").slice(0, 12), 16)).toBeGreaterThanOrEqual(before);
  });

  it("keeps the order when the clock steps back", () => {
    const ids = new TimeOrderedIdGenerator();
    const realNow = Date.now;
    try {
      Date.now = () => 2_000_000_000_000;
      const first = ids.next();
      Date.now = () => 1_000_000_000_000;
      expect(ids.next() > first).toBe(true);
    } finally {
      Date.now = realNow;
    }
  });
});
