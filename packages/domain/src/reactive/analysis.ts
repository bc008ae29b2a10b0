/** Static analysis of one notebook cell: which names it defines and which it reads from other cells. */
export type CellLanguage = "python" | "sql" | "javascript";

export interface CellAnalysis {
  readonly reads: readonly string[]; // sorted, unique
  readonly writes: readonly string[]; // sorted, unique
  /** Set when the cell cannot be analysed (syntax error, `import *`): the cell gets this error and no names. */
  readonly error?: string;
}

export function analyzeCell(language: CellLanguage, code: string): CellAnalysis {
  // Provisional: a regex-level approximation until the real parsers land.
  const writes = new Set<string>();
  const reads = new Set<string>();
  for (const match of code.matchAll(/^([A-Za-z]\w*)\s*=[^=]/gm)) writes.add(match[1]!);
  for (const match of code.matchAll(/[A-Za-z_]\w*/g)) if (!writes.has(match[0])) reads.add(match[0]);
  void language;
  return { reads: [...reads].sort(), writes: [...writes].sort() };
}
