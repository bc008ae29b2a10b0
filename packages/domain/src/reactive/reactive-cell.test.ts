import { describe, expect, it } from "vitest";
import type { Notebook } from "../notebook/nbformat.types.js";
import { emptyCell, mergeIntoNbformat, notebookFromNbformat, notebookToNbformat, type ReactiveNotebook } from "./reactive-cell.js";

const reactive: ReactiveNotebook = {
  id: "nb",
  name: "My notebook",
  db_conn_string: "postgres://db",
  revision: 7,
  cells: [
    { ...emptyCell("a", "python", "x = 1\nprint(x)"), status: "success", stdout: "1\n", reads: [], writes: ["x"] },
    {
      ...emptyCell("b", "sql", "SELECT {x} AS x"),
      status: "success",
      outputs: [{ mime_type: "application/json", data: { type: "table", columns: ["x"], rows: [[1]] }, metadata: {} }],
      reads: ["x"],
    },
    { ...emptyCell("c", "javascript", "throw new Error('no')"), status: "error", error: "Error: no" },
    { ...emptyCell("d", "python", "'<b>'"), status: "success", outputs: [{ mime_type: "text/html", data: "<b>", metadata: {} }] },
  ],
};

describe("reactive notebook ↔ nbformat 4.5", () => {
  it("round-trips cells, statuses, outputs and notebook settings", () => {
    const document = notebookToNbformat(reactive);
    expect(document.nbformat_minor).toBe(5);
    expect(document.cells[0]).toMatchObject({ id: "a", cell_type: "code", metadata: { parallax: { language: "python", status: "success", reads: [], writes: ["x"] } } });
    expect(notebookFromNbformat("nb", JSON.parse(JSON.stringify(document)) as Notebook)).toEqual(reactive);
  });

  it("reads notebooks written by other tools as python cells and never resumes a stored `running`", () => {
    const foreign: Notebook = {
      nbformat: 4,
      nbformat_minor: 4,
      metadata: {},
      cells: [
        { cell_type: "markdown", source: ["# Title"], metadata: {} },
        {
          cell_type: "code",
          source: ["a = 1\n", "a"],
          metadata: { parallax: { status: "running" } },
          execution_count: 1,
          outputs: [{ output_type: "execute_result", execution_count: 1, data: { "text/plain": ["1"] }, metadata: {} }],
        },
      ],
    };
    const read = notebookFromNbformat("legacy", foreign);
    expect(read).toMatchObject({ id: "legacy", name: "legacy", db_conn_string: null, revision: 0 });
    expect(read.cells).toEqual([
      { ...emptyCell("cell-1", "python", "a = 1\na"), outputs: [{ mime_type: "text/plain", data: "1", metadata: {} }] },
    ]);
  });

  it("merges over the stored document, keeping foreign metadata and markdown cells in place", () => {
    const stored = notebookToNbformat(reactive);
    stored.metadata["visionos_export"] = { total_windows: 2 };
    stored.cells[1]!.metadata["spatial"] = { x: 1 };
    stored.cells.splice(2, 0, { id: "note", cell_type: "markdown", source: "between b and c", metadata: {} });
    const next: ReactiveNotebook = { ...reactive, name: "Renamed", cells: reactive.cells.filter((cell) => cell.id !== "b") };
    const merged = mergeIntoNbformat(stored, next);
    expect(merged.cells.map((cell) => cell.id)).toEqual(["a", "note", "c", "d"]);
    expect(merged.metadata).toMatchObject({ visionos_export: { total_windows: 2 }, parallax: { name: "Renamed" } });
    const kept = mergeIntoNbformat(stored, reactive);
    expect(kept.cells.map((cell) => cell.id)).toEqual(["a", "b", "note", "c", "d"]);
    expect(kept.cells[1]!.metadata).toMatchObject({ spatial: { x: 1 }, parallax: { language: "sql" } });
  });

  it("gives cells of an id-less (4.4) document the ids it was read with, keeping their metadata", () => {
    const old: Notebook = {
      nbformat: 4,
      nbformat_minor: 4,
      metadata: {},
      cells: [
        { cell_type: "markdown", source: "intro", metadata: {} },
        { cell_type: "code", source: "x = 1", metadata: { spatial: { x: 5 } }, outputs: [], execution_count: null },
      ],
    };
    const read = notebookFromNbformat("old", old);
    const merged = mergeIntoNbformat(old, { ...read, cells: read.cells.map((cell) => ({ ...cell, code: "x = 2" })) });
    expect(merged.cells.map((cell) => [cell.id, cell.source])).toEqual([
      ["cell-0", "intro"],
      ["cell-1", "x = 2"],
    ]);
    expect(merged.cells[1]!.metadata["spatial"]).toEqual({ x: 5 });
    expect(merged.nbformat_minor).toBe(5);
  });
});
