import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { rewriteCell } from "./javascript-rewrite.js";

/** Runs rewritten cells one after another in one context, as the kernel's driver does. */
function runCells(...cells: string[]): { context: Record<string, unknown>; results: unknown[] } {
  const context: Record<string, unknown> = {};
  const results = cells.map((cell) => {
    const { code, hasResult } = rewriteCell(cell);
    const value: unknown = runInNewContext(code, context);
    return hasResult ? value : undefined;
  });
  return { context, results };
}

describe("rewriteCell", () => {
  it("turns top-level declarations into global assignments that can run again", () => {
    const { context, results } = runCells("const a = 1; let b = 2, c;", "const a = 10; a + b", "var d = a * 2; d");
    expect(results).toEqual([undefined, 12, 20]);
    expect(context).toMatchObject({ a: 10, b: 2, c: undefined, d: 20 });
  });

  it("handles destructuring, classes and hoisted functions", () => {
    const { context, results } = runCells(
      "const { p, q: [r] } = { p: 1, q: [2] };",
      "double(p + r)\nfunction double(n) { return n * 2 }",
      "class Point { constructor(x) { this.x = x } }\nnew Point(p).x",
    );
    expect(results).toEqual([undefined, 6, 1]);
    expect(Object.keys(context).sort()).toEqual(["Point", "double", "p", "r"]);
  });

  it("leaves inner scopes alone and names can be deleted again", () => {
    const { context, results } = runCells("const f = () => { const local = 1; return local }; f()");
    expect(results).toEqual([1]);
    expect(delete context["f"]).toBe(true);
    expect("local" in context).toBe(false);
  });

  it("reports a result only when the cell ends with an expression", () => {
    expect(rewriteCell("1 + 1").hasResult).toBe(true);
    expect(rewriteCell("const a = 1").hasResult).toBe(false);
    expect(rewriteCell("if (true) { 3 }").hasResult).toBe(false);
  });

  it("wraps cells with top-level await in an async function that returns the last expression", () => {
    const rewritten = rewriteCell("const a = await f();\na + 1");
    expect(rewritten).toMatchObject({ isAsync: true, hasResult: true });
    expect(rewritten.code).toBe("(async () => {\na = await f();\nreturn (a + 1);\n})()");
    expect(rewriteCell("await f()").isAsync).toBe(true);
    expect(rewriteCell("async function g() { await f() }").isAsync).toBe(false);
  });

  it("throws a SyntaxError for invalid code", () => {
    expect(() => rewriteCell("const = 1")).toThrow(SyntaxError);
  });

  it("marks straight-line cells (no loop, call, construction, await or class), which need no vm watchdog", () => {
    const straight = (cell: string) => rewriteCell(cell).straightLine;
    expect(["const v1 = (v0 + 1) % 1000003;", "({ a: [1, `x${y}`], b: c?.d })", "const f = () => { while (true) {} };", "function g() { g() }"].map(straight)).toEqual([true, true, true, true]);
    const running = ["while (true) {}", "for (;;) {}", "for (const x of xs) {}", "f()", "new Date()", "tag`x`", "await 1", "class A {}", "(() => 1)()"];
    expect(running.map(straight)).toEqual(running.map(() => false));
  });
});
