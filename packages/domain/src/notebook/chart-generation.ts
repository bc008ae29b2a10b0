import { chartKey, chartMimeTypes } from "./chart-extraction.js";
import { sourceText, type Cell, type Notebook, type Output } from "./nbformat.types.js";

/**
 * Charts made by running a notebook (CONTRACTS.md §A, "What the visionOS app relies on"). The
 * app's own notebooks are stored with `outputs: []`; the old server made their charts by running
 * every code cell whose source looks like matplotlib. Parallax keeps stored images first and runs
 * only to fill the gap. The policy lives here, pure; running is the `NotebookExecutor` port's.
 *
 * What runs: the notebook's code cells in order, in one fresh kernel per upload, up to the last
 * cell that needs a chart, so that names and imports of earlier cells exist (the old server ran
 * each chart cell alone, and a chart built on an earlier cell's data failed there). A cell with a
 * stored image never runs: its image is the notebook's own, and running it again could differ.
 */

/** The old server's test for a matplotlib cell, kept as it was (a heuristic, by design). */
const MATPLOTLIB_HINTS = ["plt.", "matplotlib", "plot(", "scatter(", "bar("] as const;


export interface CodeToRun {
  readonly index: number;
  readonly code: string;
}

/** What one cell showed when run; `outputs` as Jupyter stores them. */
export interface CellRun {
  readonly index: number;
  readonly outputs: readonly Output[];
}

export function usesMatplotlib(source: string): boolean {
  return MATPLOTLIB_HINTS.some((hint) => source.includes(hint));
}

function isImage(output: Output): boolean {
  return (output.output_type === "display_data" || output.output_type === "execute_result") && chartMimeTypes.some((mime) => output.data[mime] !== undefined);
}

function hasImage(cell: Cell): boolean {
  return cell.cell_type === "code" && cell.outputs.some(isImage);
}

/** Indexes of the code cells whose charts only running can make: no stored image, matplotlib in the source. */
export function cellsNeedingCharts(notebook: Notebook): number[] {
  return notebook.cells.flatMap((cell, index) => (cell.cell_type === "code" && !hasImage(cell) && usesMatplotlib(sourceText(cell.source)) ? [index] : []));
}

/** The code cells to run, in order, for `needing` (see the module comment); empty when nothing is needed. */
export function cellsToRun(notebook: Notebook, needing: readonly number[]): CodeToRun[] {
  const last = needing.reduce((max, index) => Math.max(max, index), -1);
  return notebook.cells.flatMap((cell, index) =>
    index <= last && cell.cell_type === "code" && !hasImage(cell) ? [{ index, code: sourceText(cell.source) }] : [],
  );
}

/**
 * Writes what a chart cell showed into it, as Jupyter would (its outputs, its execution count in
 * this run), so that the stored notebook carries its charts and a second upload of it needs no
 * execution. Display and result outputs are marked `metadata.parallax.generated` (stream and
 * error outputs have no metadata in nbformat). Only cells in `needing` that produced an image
 * change: the cells run for their names keep what they had, and a chart cell that drew nothing
 * is tried again next time. Returns the chart keys that came from execution.
 */
export function withGeneratedCharts(notebook: Notebook, needing: readonly number[], runs: readonly CellRun[]): { notebook: Notebook; generated: string[] } {
  const wanted = new Set(needing);
  const cells = notebook.cells.slice();
  const generated: string[] = [];
  runs.forEach((run, order) => {
    const cell = cells[run.index];
    if (!wanted.has(run.index) || cell?.cell_type !== "code" || !run.outputs.some(isImage)) return;
    cells[run.index] = { ...cell, execution_count: order + 1, outputs: run.outputs.map(markGenerated) };
    generated.push(chartKey(run.index));
  });
  return { notebook: generated.length === 0 ? notebook : { ...notebook, cells }, generated };
}

function markGenerated(output: Output): Output {
  if (output.output_type !== "display_data" && output.output_type !== "execute_result") return output;
  return { ...output, metadata: { ...output.metadata, parallax: { generated: true } } };
}

/** Whether Parallax made `output` by running its cell (`metadata.parallax.generated`). */
export function isGeneratedOutput(output: Output): boolean {
  if (output.output_type !== "display_data" && output.output_type !== "execute_result") return false;
  const parallax = output.metadata["parallax"];
  return typeof parallax === "object" && parallax !== null && !Array.isArray(parallax) && parallax["generated"] === true;
}
