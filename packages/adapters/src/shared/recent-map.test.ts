import { describe, expect, it } from "vitest";
import { RecentMap } from "./recent-map.js";

describe("RecentMap", () => {
  it("keeps the most recently remembered entries up to its capacity, the oldest dropped first", () => {
    const recent = new RecentMap<string, number>(2);
    recent.remember("a", 1);
    recent.remember("b", 2);
    recent.remember("a", 3); // a is now the most recent
    recent.remember("c", 4);
    expect(recent.size).toBe(2);
    expect(recent.get("b")).toBeUndefined();
    expect(recent.get("a")).toBe(3);
    expect(recent.get("c")).toBe(4);
    recent.delete("a");
    expect(recent.get("a")).toBeUndefined();
  });
});
