import type { CellLanguage } from "./analysis.js";
import type { Cell, CodeCell, JsonObject, JsonValue, Notebook, Output } from "../notebook/nbformat.types.js";
import { CURRENT_MINOR, sourceText } from "../notebook/nbformat.types.js";

/** The reactive notebook as §B's editor sees it; persisted as nbformat 4.5. */
export type CellStatus = "idle" | "running" | "success" | "error" | "blocked";
export const CELL_STATUSES: readonly CellStatus[] = ["idle", "running", "success", "error", "blocked"];
export const CELL_LANGUAGES: readonly CellLanguage[] = ["python", "sql", "javascript"];

/** `{mime_type, data, metadata}`; a data frame is `application/json` `{type: "table", columns, rows}`. */
export interface CellOutput {
  mime_type: string;
  data: JsonValue;
  metadata: JsonObject;
}

export interface ReactiveCell {
  id: string;
  type: CellLanguage;
  code: string;
  status: CellStatus;
  stdout: string;
  outputs: CellOutput[];
  error: string | null;
  reads: string[];
  writes: string[];
}

export interface ReactiveNotebook {
  id: string;
  name: string;
  db_conn_string: string | null;
  revision: number;
  cells: ReactiveCell[];
}

/** What subscribers of one notebook receive, in the order it happened (§B WebSocket broadcasts). */
export type NotebookEvent =
  | { type: "cell_status"; cellId: string; status: CellStatus }
  | { type: "cell_stdout"; cellId: string; data: string }
  | { type: "cell_error"; cellId: string; error: string }
  | { type: "cell_output"; cellId: string; output: CellOutput }
  | { type: "cell_updated"; cellId: string; cell: ReactiveCell }
  | { type: "cell_created"; cellId: string; cell: ReactiveCell; index: number }
  | { type: "cell_deleted"; cellId: string };

export function emptyCell(id: string, type: CellLanguage, code = ""): ReactiveCell {
  return { id, type, code, status: "idle", stdout: "", outputs: [], error: null, reads: [], writes: [] };
}

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);
const stringArray = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];

/** Text mime types are stored as nbformat multiline strings; JSON ones as JSON. */
const isJsonMime = (mime: string) => mime === "application/json" || mime.endsWith("+json");

function toNbformatOutputs(cell: ReactiveCell): Output[] {
  const outputs: Output[] = [];
  if (cell.stdout) outputs.push({ output_type: "stream", name: "stdout", text: cell.stdout });
  for (const output of cell.outputs) {
    const data = isJsonMime(output.mime_type) || typeof output.data === "string" ? output.data : JSON.stringify(output.data);
    outputs.push({ output_type: "display_data", data: { [output.mime_type]: data }, metadata: output.metadata });
  }
  if (cell.error) {
    const [ename, ...rest] = cell.error.split(": ");
    outputs.push({ output_type: "error", ename: ename ?? "Error", evalue: rest.join(": "), traceback: [cell.error] });
  }
  return outputs;
}

function fromNbformatOutputs(outputs: readonly Output[]): Pick<ReactiveCell, "stdout" | "outputs" | "error"> {
  let stdout = "";
  const result: CellOutput[] = [];
  let error: string | null = null;
  for (const output of outputs) {
    if (output.output_type === "stream") stdout += sourceText(output.text);
    else if (output.output_type === "error") error = output.evalue ? `${output.ename}: ${output.evalue}` : output.ename;
    else {
      for (const [mime, value] of Object.entries(output.data)) {
        const data = Array.isArray(value) && !isJsonMime(mime) ? value.join("") : value;
        result.push({ mime_type: mime, data, metadata: output.metadata ?? {} });
      }
    }
  }
  return { stdout, outputs: result, error };
}

export function cellToNbformat(cell: ReactiveCell): CodeCell {
  return {
    id: cell.id,
    cell_type: "code",
    metadata: {
      parallax: { language: cell.type, status: cell.status, reads: [...cell.reads], writes: [...cell.writes] },
    },
    source: cell.code,
    outputs: toNbformatOutputs(cell),
    execution_count: null,
  };
}

/** The kernelspec makes the file open in JupyterLab; a notebook without python cells still names it. */
export function notebookToNbformat(notebook: ReactiveNotebook): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: CURRENT_MINOR,
    metadata: {
      kernelspec: { name: "python3", display_name: "Python 3", language: "python" },
      language_info: { name: "python" },
      parallax: { name: notebook.name, db_conn_string: notebook.db_conn_string, revision: notebook.revision },
    },
    cells: notebook.cells.map(cellToNbformat),
  };
}

/**
 * Reads any stored nbformat notebook (also ones written by other tools): code cells become
 * reactive cells (python unless `metadata.parallax.language` says otherwise); markdown and raw
 * cells are not part of the reactive view. Cells without an id get a stable positional one.
 */
export function notebookFromNbformat(id: string, document: Notebook): ReactiveNotebook {
  const meta = isObject(document.metadata["parallax"]) ? document.metadata["parallax"] : {};
  const cells: ReactiveCell[] = [];
  document.cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    const parallax = isObject(cell.metadata["parallax"]) ? cell.metadata["parallax"] : {};
    const language = CELL_LANGUAGES.find((l) => l === parallax["language"]) ?? "python";
    const status = CELL_STATUSES.find((s) => s === parallax["status"]) ?? "idle";
    cells.push({
      id: cell.id ?? `cell-${index}`,
      type: language,
      code: sourceText(cell.source),
      status: status === "running" ? "idle" : status,
      ...fromNbformatOutputs(cell.outputs),
      reads: stringArray(parallax["reads"]),
      writes: stringArray(parallax["writes"]),
    });
  });
  return {
    id,
    name: typeof meta["name"] === "string" ? meta["name"] : id,
    db_conn_string: typeof meta["db_conn_string"] === "string" ? meta["db_conn_string"] : null,
    revision: typeof meta["revision"] === "number" ? meta["revision"] : 0,
    cells,
  };
}

/**
 * Writes the reactive view over the stored document, keeping what other APIs put there
 * (spatial placement, chart positions, markdown cells) so the two views never erase each other.
 */
export function mergeIntoNbformat(stored: Notebook | undefined, notebook: ReactiveNotebook): Notebook {
  const fresh = notebookToNbformat(notebook);
  if (!stored) return fresh;
  // Cells stored without an id (nbformat < 4.5) get the positional id `notebookFromNbformat` gave them.
  const withIds = stored.cells.map((cell, index) => (cell.id === undefined ? { ...cell, id: `cell-${index}` } : cell));
  const storedById = new Map(withIds.map((c) => [c.id!, c]));
  const freshIds = new Set(fresh.cells.map((c) => c.id!));
  // Markdown and raw cells stay after the code cell they followed (the start if none survives).
  const anchored = new Map<string | null, Cell[]>();
  let anchor: string | null = null;
  for (const cell of withIds) {
    if (cell.cell_type === "code") {
      if (freshIds.has(cell.id!)) anchor = cell.id!;
    } else if (!freshIds.has(cell.id!)) {
      anchored.set(anchor, [...(anchored.get(anchor) ?? []), cell]);
    }
  }
  const cells: Cell[] = [...(anchored.get(null) ?? [])];
  for (const cell of fresh.cells) {
    const previous = storedById.get(cell.id!);
    cells.push(previous ? { ...cell, metadata: { ...previous.metadata, ...cell.metadata } } : cell);
    cells.push(...(anchored.get(cell.id!) ?? []));
  }
  return { ...fresh, metadata: { ...stored.metadata, ...fresh.metadata }, cells };
}
