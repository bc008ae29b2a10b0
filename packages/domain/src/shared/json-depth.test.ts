import { describe, expect, it } from "vitest";
import { jsonDepthExceeds } from "./json-depth.js";

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("jsonDepthExceeds", () => {
  it("counts arrays and objects, and passes exactly at the limit", () => {
    expect(jsonDepthExceeds(nested(3), 3)).toBe(false);
    expect(jsonDepthExceeds(nested(4), 3)).toBe(true);
    expect(jsonDepthExceeds('{"a":{"b":[{"c":1}]}}', 4)).toBe(false);
    expect(jsonDepthExceeds('{"a":{"b":[{"c":1}]}}', 3)).toBe(true);
  });

  it("measures depth, not the number of containers", () => {
    expect(jsonDepthExceeds(`[${Array.from({ length: 10_000 }, () => "[]").join(",")}]`, 2)).toBe(false);
  });

  it("ignores brackets inside strings, escaped quotes included", () => {
    expect(jsonDepthExceeds(JSON.stringify({ code: "[[[[{{{{", quoted: 'say "[[[["' }), 1)).toBe(false);
    expect(jsonDepthExceeds('["\\\\", [[1]]]', 2)).toBe(true);
  });

  it("scans a 20,000-deep document without recursion", () => {
    expect(jsonDepthExceeds(nested(20_000), 1_000)).toBe(true);
  });
});
