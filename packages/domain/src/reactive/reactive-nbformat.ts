/**
 * Reactive notebooks stored as nbformat 4.5. Reading takes any notebook (also ones Jupyter wrote);
 * writing is lossless: a cell this session did not touch is written back exactly as it was stored
 * (outputs, output types, mime bundles, execution count, source layout, metadata), and a touched
 * one changes only its source, its results and `metadata.parallax`. Markdown and raw cells are not
 * part of the reactive view and stay where they were.
 */
import { z } from "zod";
import type { Cell, CodeCell, JsonObject, Notebook } from "../notebook/nbformat.types.js";
import { CURRENT_MINOR, sourceText } from "../notebook/nbformat.types.js";
import { CELL_LANGUAGES, CELL_STATUSES, type ReactiveCodeCell, type ReactiveDocument } from "./reactive-cell.js";

const strings = z.array(z.string()).catch([]);
/** `metadata.parallax` of a code cell; whatever another tool left there reads as the defaults. */
const cellParallax = z
  .object({
    language: z.enum(CELL_LANGUAGES as ["python", "sql", "javascript"]).catch("python"),
    status: z.enum(CELL_STATUSES as ["idle", "running", "success", "error", "blocked"]).catch("idle"),
    reads: strings,
    writes: strings,
  })
  .partial()
  .catch({});
const notebookParallax = z
  .object({
    name: z.string().optional().catch(undefined),
    db_conn_string: z.string().nullable().optional().catch(null),
    revision: z.number().int().nonnegative().optional().catch(undefined),
  })
  .catch({});

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);
const objectOr = (value: unknown): JsonObject => (isObject(value) ? value : {});
/** Cells stored without an id (nbformat < 4.5) are known by their position. */
const positionalId = (cell: Cell, index: number) => cell.id ?? `cell-${index}`;

/** Name, database and revision of a stored reactive notebook (other tools' notebooks get defaults). */
export function reactiveHeader(id: string, document: Notebook): Omit<ReactiveDocument, "cells"> {
  const meta = notebookParallax.parse(document.metadata["parallax"]);
  return { id, name: meta.name ?? id, db_conn_string: meta.db_conn_string ?? null, revision: meta.revision ?? 0 };
}

/** Code cells become reactive cells (python unless `metadata.parallax.language` says otherwise); a stored `running` reads as idle. */
export function documentFromNbformat(id: string, document: Notebook): ReactiveDocument {
  const cells: ReactiveCodeCell[] = [];
  document.cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    const parallax = cellParallax.parse(cell.metadata["parallax"]);
    cells.push({
      id: positionalId(cell, index),
      type: parallax.language ?? "python",
      code: sourceText(cell.source),
      status: parallax.status === undefined || parallax.status === "running" ? "idle" : parallax.status,
      reads: parallax.reads ?? [],
      writes: parallax.writes ?? [],
      outputs: cell.outputs,
      execution_count: cell.execution_count,
    });
  });
  return { ...reactiveHeader(id, document), cells };
}

/**
 * A touched cell over its stored version: its other metadata (spatial placement, tags) stays, and
 * so does the stored source layout (a list of lines) when the code did not change.
 */
export function cellToNbformat(cell: ReactiveCodeCell, previous?: CodeCell): CodeCell {
  const parallax: JsonObject = { language: cell.type, status: cell.status, reads: [...cell.reads], writes: [...cell.writes] };
  if (cell.analysisError !== undefined) parallax["error"] = cell.analysisError;
  return {
    id: cell.id,
    cell_type: "code",
    metadata: previous ? { ...previous.metadata, parallax } : { parallax },
    source: previous && sourceText(previous.source) === cell.code ? previous.source : cell.code,
    // A copy: the session keeps appending to a running cell's list.
    outputs: [...cell.outputs],
    execution_count: cell.execution_count,
  };
}

/** The kernelspec makes the file open in JupyterLab; a notebook without python cells still names it. */
function documentMetadata(document: ReactiveDocument, stored: JsonObject = {}): JsonObject {
  return {
    kernelspec: { name: "python3", display_name: "Python 3", language: "python" },
    language_info: { name: "python" },
    ...stored,
    parallax: { ...objectOr(stored["parallax"]), name: document.name, db_conn_string: document.db_conn_string, revision: document.revision },
  };
}

export function documentToNbformat(document: ReactiveDocument): Notebook {
  return { nbformat: 4, nbformat_minor: CURRENT_MINOR, metadata: documentMetadata(document), cells: document.cells.map((cell) => cellToNbformat(cell)) };
}

/**
 * Writes the reactive document over the stored one. Only cells in `touched` (all when omitted) are
 * rewritten; the others, markdown and raw cells, and every metadata key other APIs keep there
 * (spatial placement, widget state, chart positions) stay exactly as stored.
 */
export function mergeIntoNbformat(stored: Notebook | undefined, document: ReactiveDocument, touched?: ReadonlySet<string>): Notebook {
  if (!stored) return documentToNbformat(document);
  // Cells stored without an id (nbformat < 4.5) get the positional id `documentFromNbformat` gave them.
  const withIds = stored.cells.map((cell, index) => (cell.id === undefined ? { ...cell, id: positionalId(cell, index) } : cell));
  const storedById = new Map(withIds.map((cell) => [cell.id!, cell]));
  const reactiveIds = new Set(document.cells.map((cell) => cell.id));
  // Markdown and raw cells stay after the code cell they followed (the start if none survives).
  const anchored = new Map<string | null, Cell[]>();
  let anchor: string | null = null;
  for (const cell of withIds) {
    if (cell.cell_type === "code") {
      if (reactiveIds.has(cell.id!)) anchor = cell.id!;
    } else if (!reactiveIds.has(cell.id!)) {
      anchored.set(anchor, [...(anchored.get(anchor) ?? []), cell]);
    }
  }
  const cells: Cell[] = [...(anchored.get(null) ?? [])];
  for (const cell of document.cells) {
    const previous = storedById.get(cell.id);
    const previousCode = previous?.cell_type === "code" ? previous : undefined;
    cells.push(previousCode && touched && !touched.has(cell.id) ? previousCode : cellToNbformat(cell, previousCode));
    cells.push(...(anchored.get(cell.id) ?? []));
  }
  return {
    ...stored,
    nbformat: 4,
    nbformat_minor: Math.max(stored.nbformat_minor, CURRENT_MINOR),
    metadata: documentMetadata(document, stored.metadata),
    cells,
  };
}
