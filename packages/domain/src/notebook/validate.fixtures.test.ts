import { describe, expect, it } from "vitest";
import { validateNotebook } from "./validate.js";
import { upgradeToCurrentMinor } from "./upgrade.js";
import { hasShared, readShared, sharedPath } from "../../../../tests/shared-fixtures.testkit.js";

const fixtures = sharedPath("fixtures/nbformat/tests");
const present = hasShared("fixtures/nbformat/tests");
if (!present) console.warn(`skipping nbformat fixture verdicts: ${fixtures} not found`);

/** The verdicts ../shared/fixtures/nbformat/MANIFEST.md records (nbformat's own tests). */
const verdicts: Array<[file: string, valid: boolean]> = [
  ["test4.ipynb", true],
  ["test4.5.ipynb", true],
  ["test4docinfo.ipynb", true],
  ["test4custom.ipynb", true],
  ["test4jupyter_metadata.ipynb", true],
  ["test4jupyter_metadata_timings.ipynb", true],
  ["test4plus.ipynb", true],
  ["many_tracebacks.ipynb", true],
  ["invalid.ipynb", false],
  ["invalid_cell_id.ipynb", false],
  ["invalid_unique_cell_id.ipynb", false],
  ["v4_5_no_cell_id.ipynb", false],
  ["v4_5_invalid_metadata.ipynb", false],
  ["no_min_version.ipynb", false],
  ["test2.ipynb", true],
  ["test3.ipynb", true],
  ["test3_no_min_version.ipynb", true],
  // Reads as v3 but nbformat's convert to v4 raises; Parallax stores v4, so it is refused.
  ["test3_no_metadata.ipynb", false],
  ["test3_no_worksheets.ipynb", false],
  ["test3_worksheet_with_no_cells.ipynb", false],
];

const load = (file: string): unknown => JSON.parse(readShared(`fixtures/nbformat/tests/${file}`));

describe.skipIf(!present)("nbformat fixtures get the verdicts MANIFEST.md records", () => {
  it.each(verdicts)("%s valid=%s", (file, valid) => {
    const verdict = validateNotebook(load(file));
    expect(verdict.valid, verdict.valid ? "" : verdict.errors.join("\n")).toBe(valid);
  });

  it("invalid.ipynb has exactly the three errors nbformat reports", () => {
    const verdict = validateNotebook(load("invalid.ipynb"));
    expect(verdict.valid).toBe(false);
    if (verdict.valid) return;
    expect(verdict.errors).toHaveLength(3);
    expect(verdict.errors.join("\n")).toMatch(/cells\[0\]\.source: is required/);
    expect(verdict.errors.join("\n")).toMatch(/unknown cell_type/);
    expect(verdict.errors.join("\n")).toMatch(/unknown output_type/);
  });

  it("test3_no_metadata is refused with a message naming metadata", () => {
    const verdict = validateNotebook(load("test3_no_metadata.ipynb"));
    expect(!verdict.valid && verdict.errors.join(" ")).toMatch(/could not be converted.*metadata/);
  });

  it("test4plus (4.99) is valid only because future minors are relaxed", () => {
    const document = load("test4plus.ipynb") as { nbformat_minor: number };
    expect(validateNotebook(document).valid).toBe(true);
    expect(validateNotebook({ ...document, nbformat_minor: 3 }).valid).toBe(false);
  });

  it("older minors and v3 notebooks upgrade to a valid 4.5 with generated ids", () => {
    let counter = 0;
    for (const file of ["test4.ipynb", "test3.ipynb", "test2.ipynb", "test4jupyter_metadata_timings.ipynb"]) {
      const verdict = validateNotebook(load(file));
      if (!verdict.valid) throw new Error(`${file} should be valid`);
      const upgraded = upgradeToCurrentMinor(verdict.notebook, () => `cell-${++counter}`);
      expect(upgraded.nbformat_minor).toBe(5);
      const again = validateNotebook(JSON.parse(JSON.stringify(upgraded)));
      expect(again.valid, again.valid ? "" : again.errors.join("\n")).toBe(true);
    }
  });
});
