import { describe, expect, it } from "vitest";
import { connectedComponents, morphSquare, openThenClose } from "./binary-image.js";

function maskOf(rows: string[]): { mask: Uint8Array; width: number; height: number } {
  const width = rows[0]!.length, height = rows.length;
  return { mask: Uint8Array.from(rows.join("").split(""), (c) => (c === "#" ? 1 : 0)), width, height };
}
function render(mask: Uint8Array, width: number): string[] {
  const rows: string[] = [];
  for (let i = 0; i < mask.length; i += width) rows.push(Array.from(mask.subarray(i, i + width), (v) => (v ? "#" : ".")).join(""));
  return rows;
}

describe("binary morphology", () => {
  it("opening removes a speck and keeps a solid block; closing fills a one-pixel hole", () => {
    const opened = maskOf([".....", ".#...", "...##", "...##", "...##"]);
    openThenClose(opened.mask, new Uint8Array(25), 5, 5, 1, 0);
    expect(render(opened.mask, 5)).toEqual([".....", ".....", "...##", "...##", "...##"]);
    const closed = maskOf(["###", "#.#", "###"]);
    openThenClose(closed.mask, new Uint8Array(9), 3, 3, 0, 1);
    expect(render(closed.mask, 3)).toEqual(["###", "###", "###"]);
  });

  it("dilation grows by the radius and erosion ignores pixels outside the image", () => {
    const { mask, width, height } = maskOf(["#...", "....", "...."]);
    morphSquare(mask, new Uint8Array(mask.length), width, height, 1, false);
    expect(render(mask, width)).toEqual(["##..", "##..", "...."]);
    morphSquare(mask, new Uint8Array(mask.length), width, height, 1, true);
    expect(render(mask, width)).toEqual(["#...", "....", "...."]);
  });
});

describe("connectedComponents", () => {
  it("joins diagonal neighbours (8-connectivity) and merges labels that meet later", () => {
    const { mask, width, height } = maskOf([
      "#.#...#",
      ".#.#..#",
      "....#.#",
      "##...##",
    ]);
    const components = connectedComponents(mask, width, height, new Int32Array(mask.length));
    const boxes = components.map((c) => [c.minX, c.minY, c.maxX, c.maxY, c.pixels]).sort((a, b) => a[0]! - b[0]!);
    expect(boxes).toEqual([
      [0, 0, 6, 3, 10],
      [0, 3, 1, 3, 2],
    ].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!));
  });
});
