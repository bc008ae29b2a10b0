import { describe, expect, it } from "vitest";
import { MotFormatError, groupByFrame, motRow, parseMot, writeMot } from "./mot-format.js";

describe("MOTChallenge text format", () => {
  it("round-trips rows through write and parse", () => {
    const rows = [motRow(1, 3, [10.5, 20, 40.25, 100], 0.9), motRow(2, 3, [11, 21, 41, 101], 1, [1, 0.5, -1])];
    const parsed = parseMot(writeMot(rows));
    expect(parsed).toEqual(rows);
  });

  it("accepts spaces, tabs, short rows and comments", () => {
    const rows = parseMot("# header\n1 2 3 4 5 6\n\n2\t1\t0\t0\t1\t1\t0.5\n");
    expect(rows).toHaveLength(2);
    expect(rows[0]!.confidence).toBe(1);
    expect(rows[1]!.confidence).toBe(0.5);
    expect([...groupByFrame(rows).keys()]).toEqual([1, 2]);
  });

  it("reports the line of a malformed row", () => {
    expect(() => parseMot("1,1,1,1,1,1\n1,x,1,1,1,1\n")).toThrowError(MotFormatError);
    expect(() => parseMot("1,1,1\n")).toThrowError(/line 1/);
  });
});
