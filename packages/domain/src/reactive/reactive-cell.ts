import type { CellLanguage } from "./analysis.js";
import type { JsonObject, JsonValue, Output } from "../notebook/nbformat.types.js";
import { viewOfOutputs } from "./cell-outputs.js";

/**
 * A reactive notebook twice: as Parallax keeps it (`ReactiveCodeCell`, whose nbformat outputs are
 * the source of truth) and as §B's editor sees it (`ReactiveCell`, derived for display).
 */
export type CellStatus = "idle" | "running" | "success" | "error" | "blocked";
export const CELL_STATUSES: readonly CellStatus[] = ["idle", "running", "success", "error", "blocked"];
export const CELL_LANGUAGES: readonly CellLanguage[] = ["python", "sql", "javascript"];

/** `{mime_type, data, metadata}`; a data frame is `application/json` `{type: "table", columns, rows}`. */
export interface CellOutput {
  mime_type: string;
  data: JsonValue;
  metadata: JsonObject;
}

/** The §B cell. */
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

/** The §B notebook. */
export interface ReactiveNotebook {
  id: string;
  name: string;
  db_conn_string: string | null;
  revision: number;
  cells: ReactiveCell[];
}

/** A reactive code cell as stored: its results are what Jupyter stores, exactly as the last run (or the upload) left them. */
export interface ReactiveCodeCell {
  id: string;
  type: CellLanguage;
  code: string;
  status: CellStatus;
  reads: string[];
  writes: string[];
  outputs: Output[];
  execution_count: number | null;
  /** Why the dependency graph refuses the cell (syntax, cycle, multiple definitions): cell state, never an output. */
  analysisError?: string;
}

export interface ReactiveDocument {
  id: string;
  name: string;
  db_conn_string: string | null;
  revision: number;
  cells: ReactiveCodeCell[];
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

export function newCodeCell(id: string, type: CellLanguage, code = ""): ReactiveCodeCell {
  return { id, type, code, status: "idle", reads: [], writes: [], outputs: [], execution_count: null };
}

/** The editor's view of a cell; a cell the graph refuses shows that error (unless it is running). */
export function cellView(cell: ReactiveCodeCell, analysisError = cell.analysisError): ReactiveCell {
  const view: ReactiveCell = {
    id: cell.id,
    type: cell.type,
    code: cell.code,
    status: cell.status,
    ...viewOfOutputs(cell.outputs),
    reads: [...cell.reads],
    writes: [...cell.writes],
  };
  return analysisError === undefined || cell.status === "running" ? view : { ...view, status: "error", error: analysisError };
}
