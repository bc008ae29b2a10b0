/** Static analysis of one notebook cell: which names it defines and which it reads from other cells. */
import { analyzeJavaScript } from "./javascript-analysis.js";
import { analyzePython } from "./python-analysis.js";
import { analyzeSql } from "./sql-analysis.js";

export type CellLanguage = "python" | "sql" | "javascript";

export interface CellAnalysis {
  readonly reads: readonly string[]; // sorted, unique
  readonly writes: readonly string[]; // sorted, unique
  /** Set when the cell cannot be analysed (syntax error, `import *`): the cell gets this error and no names. */
  readonly error?: string;
}

export function analyzeCell(language: CellLanguage, code: string): CellAnalysis {
  try {
    switch (language) {
      case "python":
        return analyzePython(code);
      case "sql":
        return analyzeSql(code);
      case "javascript":
        return analyzeJavaScript(code);
    }
  } catch (error) {
    // Recursive parsers and walkers run out of stack on pathologically nested code.
    if (error instanceof RangeError) return { reads: [], writes: [], error: "Cannot analyse this cell: it is nested too deeply" };
    throw error;
  }
}
