import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { readNotebook } from "./read-notebook.js";
import { validateNotebook } from "./validate.js";
import { hasShared, readShared } from "../../../../tests/shared-fixtures.testkit.js";

const haveFixtures = hasShared("fixtures/nbformat/tests");
if (!haveFixtures) console.warn("skipping the nbformat fixture case of readNotebook: ../shared/fixtures/nbformat not found");

function ids(): () => string {
  let counter = 0;
  return () => `gen-${++counter}`;
}

const code = (extra: Record<string, unknown> = {}) => ({ cell_type: "code", metadata: {}, source: "x = 1", outputs: [], execution_count: null, ...extra });
const markdown = (extra: Record<string, unknown> = {}) => ({ cell_type: "markdown", metadata: {}, source: "# T", ...extra });
const notebook = (cells: unknown[], minor = 5) => ({ nbformat: 4, nbformat_minor: minor, metadata: {}, cells });
const readOrThrow = (document: unknown, newId: () => string) => {
  const reading = readNotebook(document, newId);
  if (Result.isFailure(reading)) throw new Error(reading.failure.join("\n"));
  return reading.success;
};

describe("readNotebook (nbformat.read's tolerance)", () => {
  it("gives a 4.5 notebook without cell ids generated ids, first in each cell, where validateNotebook refuses it", () => {
    const document = notebook([code(), markdown()]);
    expect(validateNotebook(document).valid).toBe(false);
    const reading = readOrThrow(document, ids());
    expect(reading.notebook.cells.map((cell) => cell.id)).toEqual(["gen-1", "gen-2"]);
    expect(Object.keys(reading.notebook.cells[0]!)[0]).toBe("id");
    expect(reading.schemaErrors).toEqual([]);
    expect(reading.repairs).toEqual(["cells[0].id: missing, generated 'gen-1'", "cells[1].id: missing, generated 'gen-2'"]);
  });

  it("drops keys a cell type does not allow (the app's markdown cells carry outputs) and reports them as nbformat's validator does", () => {
    const reading = readOrThrow(notebook([markdown({ id: "m", outputs: [], execution_count: null }), code({ id: "c", attachments: {} })]), ids());
    expect(reading.notebook.cells[0]).toEqual({ id: "m", cell_type: "markdown", metadata: {}, source: "# T" });
    expect(reading.notebook.cells[1]).not.toHaveProperty("attachments");
    expect(reading.schemaErrors).toEqual(["cells[0]: unexpected properties 'outputs', 'execution_count'", "cells[1]: unexpected property 'attachments'"]);
  });

  it("replaces a repeated id, keeping the first cell's", () => {
    const reading = readOrThrow(notebook([code({ id: "a" }), code({ id: "a" }), code({ id: "gen-1" })]), ids());
    // gen-1 is taken by the third cell, so the repeat gets the next free one.
    expect(reading.notebook.cells.map((cell) => cell.id)).toEqual(["a", "gen-2", "gen-1"]);
  });

  it("keeps extra cell keys of a future minor, whose schema allows them", () => {
    const reading = readNotebook(notebook([markdown({ id: "m", outputs: [] })], 7), ids());
    expect(Result.isSuccess(reading) && reading.success.notebook.cells[0]).toHaveProperty("outputs");
  });

  it("does not touch the document it was given", () => {
    const document = notebook([markdown({ outputs: [] })]);
    const before = structuredClone(document);
    readNotebook(document, ids());
    expect(document).toEqual(before);
  });

  it("still refuses what nbformat cannot read: not an object, no nbformat, structurally broken cells, malformed ids", () => {
    const refused = (document: unknown) => {
      const reading = readNotebook(document, ids());
      return Result.isSuccess(reading) ? [] : reading.failure;
    };
    expect(refused([1, 2])).toEqual(["a notebook must be a JSON object"]);
    expect(refused({ cells: [] })[0]).toMatch(/nbformat: unsupported version/);
    expect(refused(notebook([{ cell_type: "code" }])).join(" ")).toMatch(/cells\[0\]\.source: is required/);
    expect(refused(notebook([{ cell_type: "constructor", metadata: {}, source: "" }])).join(" ")).toMatch(/unknown cell_type/);
    expect(refused(notebook([code({ id: "$bad id" })])).join(" ")).toMatch(/cells\[0\]\.id/);
  });

  it("refuses an older minor whose free metadata 4.5 would type otherwise, saying so", () => {
    const reading = readNotebook({ ...notebook([code()], 0), metadata: { title: 7 } }, ids());
    expect(Result.isFailure(reading) && reading.failure.join(" ")).toMatch(/^as nbformat 4\.5, metadata\.title/);
  });

  it.skipIf(!haveFixtures)("reads nbformat's own v4_5_no_cell_id.ipynb, which the schema refuses", () => {
    const reading = readOrThrow(JSON.parse(readShared("fixtures/nbformat/tests/v4_5_no_cell_id.ipynb")), ids());
    expect(reading.notebook.cells.every((cell) => typeof cell.id === "string")).toBe(true);
    expect(validateNotebook(JSON.parse(JSON.stringify(reading.notebook))).valid).toBe(true);
  });
});
