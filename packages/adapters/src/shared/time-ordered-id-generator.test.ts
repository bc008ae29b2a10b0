import { z } from "zod";
import { describe, expect, it } from "vitest";
import { TimeOrderedIdGenerator } from "./time-ordered-id-generator.js";

describe("TimeOrderedIdGenerator", () => {
  it("makes UUIDs of version 7 whose text sorts in the order they were made, many within one millisecond", () => {
    const ids = new TimeOrderedIdGenerator();
    const made = Array.from({ length: 10_000 }, () => ids.next());
    for (let i = 1; i < made.length; i++) expect(made[i - 1]! < made[i]!).toBe(true);
    expect(new Set(made).size).toBe(made.length);
    expect(made.every((id) => z.uuid().safeParse(id).success && id[14] === "7")).toBe(true);
  });
});
