/**
 * Reads and writes of a Python cell (IPython magics included), from the syntax tree of the
 * vendored @lezer/python grammar.
 */
import type { TreeCursor } from "@lezer/common";
import type { CellAnalysis } from "./analysis.js";
import { PYTHON_BUILTINS } from "./builtins.js";
import { isPrivateName, sortedUnique } from "./names.js";
import { parser } from "./python-grammar/parser.js";
import { parseMagics } from "./python-magics.js";
import { PythonScope } from "./python-scope.js";
import { CellSyntaxError, lineOf, PythonWalker } from "./python-walker.js";
import { analyzeSql } from "./sql-analysis.js";

export function analyzePython(code: string): CellAnalysis {
  const cell = parseMagics(code);
  const analysis =
    cell.language === "python" ? analyzePythonSource(cell.source) : cell.language === "sql" ? analyzeSql(cell.source) : { reads: [], writes: [] };
  if (analysis.error !== undefined || cell.defines.length === 0) return analysis;
  return { reads: analysis.reads, writes: sortedUnique([...analysis.writes, ...cell.defines.filter((name) => !isPrivateName(name))]) };
}

function analyzePythonSource(code: string): CellAnalysis {
  const tree = parser.parse(code);
  const syntaxError = findSyntaxError(tree.cursor(), code);
  if (syntaxError) return { reads: [], writes: [], error: syntaxError };
  const cell = new PythonScope("cell", undefined);
  try {
    new PythonWalker(code).visitChildren(tree.topNode, cell);
  } catch (error) {
    if (error instanceof CellSyntaxError) return { reads: [], writes: [], error: error.message };
    throw error;
  }
  const reads = new Set(cell.loads);
  for (const child of cell.children) {
    for (const name of child.freeNames()) if (!cell.bound.has(name)) reads.add(name);
  }
  return {
    reads: sortedUnique([...reads].filter((name) => !isPrivateName(name) && !PYTHON_BUILTINS.has(name))),
    writes: sortedUnique([...cell.bound].filter((name) => !isPrivateName(name))),
  };
}

function findSyntaxError(cursor: TreeCursor, code: string): string | undefined {
  do {
    if (cursor.type.isError) return `SyntaxError: invalid syntax (line ${lineOf(code, cursor.from)})`;
    if (cursor.name === "PrintStatement") {
      return `SyntaxError: Missing parentheses in call to 'print' (line ${lineOf(code, cursor.from)})`;
    }
  } while (cursor.next());
  return undefined;
}
