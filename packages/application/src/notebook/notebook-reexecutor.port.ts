import type * as Effect from "effect/Effect";
import type { Notebook } from "@parallax/domain/notebook";

export interface DifferingCell {
  cell_index: number;
  /** The stored outputs' text, normalised (volatile parts such as addresses and timings masked). */
  expected: string;
  actual: string;
}

/** What nbval-style validation by execution reports (kept in §A's `validation` object). */
export interface ReexecutionReport {
  success: boolean;
  stdout: string;
  stderr: string;
  return_code: number;
  differing_cells: DifferingCell[];
}

/**
 * Re-runs a notebook's code cells in a fresh kernel and compares the new outputs with the
 * stored ones. Optional: where no kernel can be had the port is not bound, or answers `undefined`
 * (an adapter that looks for its interpreter on first use rather than at start), and
 * `/process_notebook` reports schema validation only.
 */
export interface NotebookReexecutor {
  reexecute(notebook: Notebook, options?: { timeoutMs?: number }): Effect.Effect<ReexecutionReport | undefined, never>;
}
export const NotebookReexecutor = Symbol.for("parallax.NotebookReexecutor");
