import * as Result from "effect/Result";
import { CURRENT_MINOR, type Notebook } from "./nbformat.types.js";
import { upgradeToCurrentMinor } from "./upgrade.js";
import { isObject, validateNotebook } from "./validate.js";

/**
 * Reading an uploaded notebook the way `nbformat.read` does, as opposed to `validateNotebook`,
 * which says what nbformat's schema says. `nbformat.read` accepts whatever it can turn into a
 * notebook and repairs on the way; the visionOS app's own exports depend on that (4.5 without
 * cell ids, `outputs` on markdown cells). Parallax repairs what nbformat repairs and what
 * CONTRACTS.md §A names, and nothing more, because every stored notebook must be valid 4.5:
 *  - a 4.5 cell without an id gets one (nbformat's validator does the same, with a warning);
 *  - a cell id repeated from an earlier cell is replaced (nbformat's `repair_duplicate_cell_ids`);
 *  - keys a cell type does not allow (`outputs` or `execution_count` on a markdown cell,
 *    `attachments` on a code cell) are dropped, except in a future minor, whose schema allows them.
 * Everything else the schema refuses (a cell without `source`, an unknown cell type, a
 * malformed id, a wrongly typed field) stays refused with the reason: guessing there would
 * store something the client never wrote.
 */
export interface NotebookRead {
  readonly notebook: Notebook;
  /** Every change made on the way in (ids generated or replaced, keys dropped, a conversion). */
  readonly repairs: readonly string[];
  /**
   * What nbformat's validator still reports once it has repaired ids itself: the dropped keys,
   * worded as `validateNotebook` words them. Empty for a notebook the schema accepts.
   */
  readonly schemaErrors: readonly string[];
}

/** The notebook read, or every reason it could not be. */
export type NotebookReading = Result.Result<NotebookRead, readonly string[]>;

/** A Map, not an object literal: a cell_type such as `constructor` must find nothing. */
const allowedCellKeys: ReadonlyMap<unknown, ReadonlySet<string>> = new Map([
  ["code", new Set(["id", "cell_type", "metadata", "source", "outputs", "execution_count"])],
  ["markdown", new Set(["id", "cell_type", "metadata", "attachments", "source"])],
  ["raw", new Set(["id", "cell_type", "metadata", "attachments", "source"])],
]);

/** Repairs, validates and upgrades a parsed document to the stored 4.5 form; ids come from `newId`. */
export function readNotebook(document: unknown, newId: () => string): NotebookReading {
  // v1–v3 documents are left to validateNotebook: their conversion builds well-formed 4.0 cells.
  const repaired = repairCells(document, newId);
  const verdict = validateNotebook(repaired.document);
  if (!verdict.valid) return Result.fail(verdict.errors);
  const notebook = upgradeToCurrentMinor(verdict.notebook, newId);
  if (notebook.nbformat_minor !== verdict.notebook.nbformat_minor) {
    // Keys an older minor leaves free (metadata.title, authors, jupyter, execution) have types in
    // 4.5: a notebook that uses them otherwise cannot be stored as valid 4.5.
    const upgraded = validateNotebook(notebook);
    if (!upgraded.valid) return Result.fail(upgraded.errors.map((error) => `as nbformat 4.5, ${error}`));
  }
  return Result.succeed({ notebook, repairs: [...repaired.repairs, ...verdict.warnings], schemaErrors: repaired.schemaErrors });
}

interface Repaired {
  document: unknown;
  repairs: string[];
  schemaErrors: string[];
}

function repairCells(document: unknown, newId: () => string): Repaired {
  if (!isObject(document) || document["nbformat"] !== 4 || !Array.isArray(document["cells"])) return { document, repairs: [], schemaErrors: [] };
  const minor = document["nbformat_minor"];
  const known = typeof minor === "number" && Number.isInteger(minor);
  const idsRequired = known && minor >= CURRENT_MINOR;
  const future = known && minor > CURRENT_MINOR;
  const cells: unknown[] = document["cells"];
  const taken = new Set(cells.flatMap((cell) => (isObject(cell) && typeof cell["id"] === "string" ? [cell["id"]] : [])));
  const freshId = () => {
    let id = newId();
    while (taken.has(id)) id = newId();
    taken.add(id);
    return id;
  };
  const seen = new Set<string>();
  const repairs: string[] = [];
  const schemaErrors: string[] = [];
  const repairedCells = cells.map((cell, index) => {
    if (!isObject(cell)) return cell;
    let repaired = cell;
    const allowed = allowedCellKeys.get(cell["cell_type"]);
    const extra = allowed && !future ? Object.keys(cell).filter((key) => !allowed.has(key)) : [];
    if (extra.length > 0) {
      repaired = Object.fromEntries(Object.entries(cell).filter(([key]) => allowed!.has(key)));
      const keys = extra.map((key) => `'${key}'`).join(", ");
      repairs.push(`cells[${index}]: dropped ${keys} (not allowed on a ${String(cell["cell_type"])} cell)`);
      schemaErrors.push(`cells[${index}]: unexpected ${extra.length > 1 ? "properties" : "property"} ${keys}`);
    }
    const id = cell["id"];
    if (typeof id === "string" && seen.has(id)) {
      repaired = { ...repaired, id: freshId() };
      repairs.push(`cells[${index}].id: duplicate '${id}' replaced by '${String(repaired["id"])}'`);
    } else if (typeof id === "string") seen.add(id);
    else if (!("id" in cell) && idsRequired) {
      // First in the object, where nbformat and JupyterLab write it.
      repaired = { id: freshId(), ...repaired };
      repairs.push(`cells[${index}].id: missing, generated '${String(repaired["id"])}'`);
    }
    return repaired;
  });
  return { document: repairs.length === 0 ? document : { ...document, cells: repairedCells }, repairs, schemaErrors };
}
