import type * as Effect from "effect/Effect";
import type { CellRun, CodeToRun } from "@parallax/domain/notebook";

/**
 * Runs code cells in order in one fresh kernel made for the call and shut down after it, with
 * Jupyter's semantics (names shared by all cells, IPython magics skipped), in the same sandboxed
 * Python kernel as reactive cells: no host secrets in its environment, each cell under the
 * per-cell time limit. A cell that hits its limit or ends the kernel is the last one run (what
 * later cells expect of the state is gone, and the upload waiting on it should not wait for every
 * cell's limit in turn). Never fails: a cell's failure is in its outputs. Optional: bound only
 * where `CONVERT_EXECUTE` allows it, and answers `undefined` where no Python interpreter is
 * available (looked for on first use, not at start): then no chart is made.
 */
export interface NotebookExecutor {
  execute(cells: readonly CodeToRun[]): Effect.Effect<readonly CellRun[] | undefined>;
}
export const NotebookExecutor = Symbol.for("parallax.NotebookExecutor");
