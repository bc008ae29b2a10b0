import { describe, expect, it } from "vitest";
import { upgradeToCurrentMinor } from "./upgrade.js";
import { validateNotebook } from "./validate.js";

/** A 4.4 notebook where a newer tool already gave some cells ids (Jupyter opens it). */
function partlyIdentified(ids: Array<string | undefined>): Record<string, unknown> {
  return {
    nbformat: 4,
    nbformat_minor: 4,
    metadata: { language_info: { name: "python" } },
    cells: ids.map((id, index) => ({
      ...(id === undefined ? {} : { id }),
      cell_type: index % 2 ? "markdown" : "code",
      metadata: {},
      source: `cell ${index}`,
      ...(index % 2 ? {} : { outputs: [], execution_count: null }),
    })),
  };
}

describe("a 4.4 notebook whose cells carry some ids", () => {
  it("is accepted and stored as 4.5 with its ids kept and the missing ones generated", () => {
    const verdict = validateNotebook(partlyIdentified(["kept-1", undefined, "kept_2", undefined]));
    expect(verdict.valid, verdict.valid ? "" : verdict.errors.join("\n")).toBe(true);
    if (!verdict.valid) return;
    let counter = 0;
    const upgraded = upgradeToCurrentMinor(verdict.notebook, () => `new-${++counter}`);
    expect(upgraded.nbformat_minor).toBe(5);
    expect(upgraded.cells.map((cell) => cell.id)).toEqual(["kept-1", "new-1", "kept_2", "new-2"]);
    expect(validateNotebook(JSON.parse(JSON.stringify(upgraded))).valid).toBe(true);
  });

  it("still refuses ids 4.5 would refuse: malformed or repeated", () => {
    expect(validateNotebook(partlyIdentified(["$bad id", undefined])).valid).toBe(false);
    const repeated = validateNotebook(partlyIdentified(["same", "same"]));
    expect(!repeated.valid && repeated.errors.join(" ")).toMatch(/duplicate cell id 'same'/);
  });
});
