import { describe, expect, it } from "vitest";
import { VALID_PYTHON, VALID_PYTHON_312 } from "../../../../tests/python-syntax.fixtures.js";
import { analyzeCell } from "./analysis.js";

describe("Python syntax accepted by the cell analysis", () => {
  it.each([...VALID_PYTHON, ...VALID_PYTHON_312])("%j is not a syntax error", (code) => {
    expect(analyzeCell("python", code).error).toBeUndefined();
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
