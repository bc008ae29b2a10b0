import { describe, expect, it } from "vitest";
import { VALID_PYTHON, VALID_PYTHON_312 } from "../../../../tests/python-syntax.fixtures.js";
import { analyzeCell } from "./analysis.js";

describe("Python syntax accepted by the cell analysis", () => {
  it.each([...VALID_PYTHON, ...VALID_PYTHON_312])("%j is not a syntax error", (code) => {
    expect(analyzeCell("python", code).error).toBeUndefined();
  });

  // CPython parses flat chains of up to ~2990 operands (tested on 3.11); a long generated
  // polynomial is the case that met @lezer/lr's cut of long left-recursive chains.
  it.each([" + ", " ** ", " and ", " < ", " | "])("a chain of 2990 operands joined by %j", (operator) => {
    const analysis = analyzeCell("python", `y = ${Array.from({ length: 2990 }, (_, i) => `c${i % 7}*s1**${i % 5}`).join(operator)}`);
    expect(analysis).toEqual({ reads: ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "s1"], writes: ["y"] });
  });

  it.each([
    ["x = (1", 1],
    ["print x", 1],
    ["a = 1\nx = 1.__class__", 2],
    ["def f():\nreturn 1", 2],
    ["with a as f():\n    pass", 1],
    ["lambda (a): a", 1],
  ] as const)("%j stays a syntax error on line %i", (code, line) => {
    expect(analyzeCell("python", code).error).toMatch(new RegExp(`^SyntaxError: .*\\(line ${line}\\)$`));
  });
});
