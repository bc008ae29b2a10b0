import { describe, expect, it } from "vitest";
import type { CodeCell, Notebook } from "../notebook/nbformat.types.js";
import { newCodeCell, type ReactiveDocument } from "./reactive-cell.js";
import { notebookOwner, withOwner } from "../notebook/notebook-owner.js";
import { documentFromNbformat, documentToNbformat, mergeIntoNbformat } from "./reactive-nbformat.js";

/** A notebook as JupyterLab writes one: sources as lists of lines, rich bundles, counts, widget state. */
function jupyterNotebook(): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: "python3", display_name: "Python 3 (ipykernel)", language: "python" },
      language_info: { name: "python", version: "3.11.4", codemirror_mode: { name: "ipython", version: 3 } },
      widgets: { "application/vnd.jupyter.widget-state+json": { state: {}, version_major: 2, version_minor: 0 } },
    },
    cells: [
      { id: "md", cell_type: "markdown", metadata: {}, source: ["# Title\n", "![x](attachment:x.png)"], attachments: { "x.png": { "image/png": "iVBORw0KGgo=" } } },
      {
        id: "a",
        cell_type: "code",
        metadata: { tags: ["setup"] },
        source: ["%matplotlib inline\n", "import math\n", "x = 2"],
        execution_count: 1,
        outputs: [],
      },
      {
        id: "b",
        cell_type: "code",
        metadata: {},
        source: ["print('before')\n", "x * 21"],
        execution_count: 2,
        outputs: [
          { output_type: "stream", name: "stdout", text: ["before\n"] },
          { output_type: "display_data", data: { "image/png": "iVBORw0KGgo=\n", "text/plain": ["<Figure size 640x480 with 1 Axes>"] }, metadata: {} },
          { output_type: "stream", name: "stderr", text: ["warning\n"] },
          { output_type: "execute_result", execution_count: 2, data: { "text/plain": ["42"] }, metadata: {} },
        ],
      },
      { id: "raw", cell_type: "raw", metadata: { format: "text/x-rst" }, source: "raw text" },
      {
        id: "c",
        cell_type: "code",
        metadata: {},
        source: "1 / 0",
        execution_count: 3,
        outputs: [{ output_type: "error", ename: "ZeroDivisionError", evalue: "division by zero", traceback: ["\u001b[0;31m----\u001b[0m", "Cell In[3], line 1", "ZeroDivisionError: division by zero"] }],
      },
    ],
  };
}

const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe("reactive documents in nbformat 4.5", () => {
  it("reads a Jupyter notebook's code cells with their outputs and counts, as python cells", () => {
    const document = documentFromNbformat("nb", jupyterNotebook());
    expect(document).toMatchObject({ id: "nb", name: "nb", db_conn_string: null, revision: 0 });
    expect(document.cells.map((cell) => [cell.id, cell.type, cell.status, cell.execution_count, cell.outputs.length])).toEqual([
      ["a", "python", "idle", 1, 0],
      ["b", "python", "idle", 2, 4],
      ["c", "python", "idle", 3, 1],
    ]);
    expect(document.cells[1]!.code).toBe("print('before')\nx * 21");
  });

  it("writes untouched cells back exactly as stored, and a touched one with only its source, results and metadata.parallax changed", () => {
    const stored = jupyterNotebook();
    const document = documentFromNbformat("nb", roundTrip(stored));
    const untouched = roundTrip(mergeIntoNbformat(stored, { ...document, revision: 1 }, new Set()));
    expect(untouched.cells).toEqual(stored.cells);
    expect(untouched.metadata).toEqual({ ...stored.metadata, parallax: { name: "nb", db_conn_string: null, revision: 1 } });

    const ran = document.cells.map((cell) =>
      cell.id === "b"
        ? { ...cell, status: "success" as const, execution_count: 1, outputs: [{ output_type: "execute_result" as const, execution_count: 1, data: { "text/plain": "42" }, metadata: {} }] }
        : cell,
    );
    const merged = roundTrip(mergeIntoNbformat(stored, { ...document, cells: ran }, new Set(["b"])));
    expect(merged.cells.filter((cell) => cell.id !== "b")).toEqual(stored.cells.filter((cell) => cell.id !== "b"));
    expect(merged.cells[2]).toEqual({
      id: "b",
      cell_type: "code",
      metadata: { parallax: { language: "python", status: "success", reads: [], writes: [] } },
      source: ["print('before')\n", "x * 21"],
      execution_count: 1,
      outputs: [{ output_type: "execute_result", execution_count: 1, data: { "text/plain": "42" }, metadata: {} }],
    });
  });

  it("keeps analysis results in metadata.parallax, never as outputs, and drops them once cleared", () => {
    const stored = jupyterNotebook();
    const document = documentFromNbformat("nb", stored);
    const refused = document.cells.map((cell) => (cell.id === "a" ? { ...cell, status: "error" as const, analysisError: "'x' is defined in multiple cells" } : cell));
    const withError = mergeIntoNbformat(stored, { ...document, cells: refused }, new Set(["a"]));
    const cellA = withError.cells[1] as CodeCell;
    expect(cellA.metadata).toEqual({ tags: ["setup"], parallax: { language: "python", status: "error", reads: [], writes: [], error: "'x' is defined in multiple cells" } });
    expect(cellA.outputs).toEqual([]);
    const cleared = mergeIntoNbformat(withError, document, new Set(["a"]));
    expect(cleared.cells[1]!.metadata["parallax"]).toEqual({ language: "python", status: "idle", reads: [], writes: [] });
  });

  it("keeps markdown and raw cells after the code cell they followed when cells are deleted or added", () => {
    const stored = jupyterNotebook();
    const document = documentFromNbformat("nb", stored);
    const cells = [...document.cells.filter((cell) => cell.id !== "b"), newCodeCell("new", "sql", "SELECT 1")];
    const merged = mergeIntoNbformat(stored, { ...document, cells }, new Set(["new"]));
    expect(merged.cells.map((cell) => cell.id)).toEqual(["md", "a", "raw", "c", "new"]);
    expect(merged.cells[4]).toMatchObject({ cell_type: "code", source: "SELECT 1", outputs: [], execution_count: null, metadata: { parallax: { language: "sql" } } });
  });

  it("gives cells of an id-less (4.4) document the ids it was read with, and stores 4.5", () => {
    const old: Notebook = {
      nbformat: 4,
      nbformat_minor: 4,
      metadata: {},
      cells: [
        { cell_type: "markdown", source: "intro", metadata: {} },
        { cell_type: "code", source: "x = 1", metadata: { spatial: { x: 5 } }, outputs: [], execution_count: null },
      ],
    };
    const read = documentFromNbformat("old", old);
    const merged = mergeIntoNbformat(old, { ...read, cells: read.cells.map((cell) => ({ ...cell, code: "x = 2" })) });
    expect(merged.cells.map((cell) => [cell.id, cell.source])).toEqual([
      ["cell-0", "intro"],
      ["cell-1", "x = 2"],
    ]);
    expect(merged.cells[1]!.metadata["spatial"]).toEqual({ x: 5 });
    expect(merged.nbformat_minor).toBe(5);
  });

  it("round-trips its own documents, and reads another tool's metadata.parallax as defaults", () => {
    const document: ReactiveDocument = {
      id: "nb",
      name: "Mine",
      db_conn_string: "postgres://db",
      revision: 7,
      cells: [
        { ...newCodeCell("a", "javascript", "const a = 1;"), status: "success", writes: ["a"], execution_count: 4, outputs: [{ output_type: "stream", name: "stdout", text: "1\n" }] },
        { ...newCodeCell("b", "sql", "SELECT {a}"), status: "blocked", reads: ["a"] },
      ],
    };
    expect(documentFromNbformat("nb", roundTrip(documentToNbformat(document)))).toEqual(document);
    const foreign = documentToNbformat(document);
    foreign.metadata["parallax"] = { name: 3, revision: "x" };
    foreign.cells[0]!.metadata["parallax"] = { language: "cobol", status: "running", reads: "x" };
    const read = documentFromNbformat("nb", foreign);
    expect(read).toMatchObject({ name: "nb", revision: 0 });
    expect(read.cells[0]).toMatchObject({ type: "python", status: "idle", reads: [] });
  });
});

describe("a notebook's owner", () => {
  const document: ReactiveDocument = { id: "n", name: "N", db_conn_string: null, revision: 0, cells: [newCodeCell("c1", "python")] };

  it("is recorded in metadata.parallax and survives every later write of the document", () => {
    const stored = withOwner(documentToNbformat(document), "user_a");
    expect(notebookOwner(stored.metadata)).toBe("user_a");
    const edited = mergeIntoNbformat(stored, { ...document, name: "Renamed", revision: 3 });
    expect(notebookOwner(edited.metadata)).toBe("user_a");
    expect(edited.metadata["parallax"]).toMatchObject({ name: "Renamed", revision: 3, owner: "user_a" });
  });

  it("is undefined for a notebook stored without one, or with a malformed one", () => {
    expect(notebookOwner({})).toBeUndefined();
    expect(notebookOwner({ parallax: { owner: 42 } })).toBeUndefined();
    expect(notebookOwner({ parallax: "x" })).toBeUndefined();
  });
});
