import AjvDraft04 from "ajv-draft-04";
import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { validateNotebook } from "./validate.js";
import { readNotebook } from "./read-notebook.js";
import { mulberry32 } from "../shared/seeded-random.js";
import { mutateNotebook } from "./validate.mutations.js";
import { hasShared, readShared, sharedPath } from "../../../../tests/shared-fixtures.testkit.js";

const shared = sharedPath("fixtures/nbformat");
const present = hasShared("fixtures/nbformat");
if (!present) console.warn(`skipping the ajv oracle comparison: ${shared} not found`);

const seeds = [
  "test4.ipynb",
  "test4.5.ipynb",
  "test4docinfo.ipynb",
  "test4custom.ipynb",
  "test4jupyter_metadata.ipynb",
  "test4jupyter_metadata_timings.ipynb",
  "many_tracebacks.ipynb",
  "test4plus.ipynb",
  "invalid_unique_cell_id.ipynb",
];

/** nbformat's treatment of a future minor: the newest schema with extra keys and unknown cell/output types allowed. */
function relax(schema: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(schema);
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      const record = node as Record<string, unknown>;
      if (record["additionalProperties"] === false) record["additionalProperties"] = true;
      Object.values(record).forEach(walk);
    }
  };
  walk(copy);
  const definitions = copy["definitions"] as Record<string, { oneOf: unknown[] }>;
  definitions["cell"]!.oneOf.push({ $ref: "#/definitions/unrecognized_cell" });
  definitions["output"]!.oneOf.push({ $ref: "#/definitions/unrecognized_output" });
  return copy;
}

/** The document with the `id` of every cell removed (what an older minor's schema allows). */
function withoutCellIds(document: Record<string, unknown>): Record<string, unknown> {
  const cells = document["cells"];
  if (!Array.isArray(cells)) return document;
  const strip = (cell: unknown) => {
    if (!cell || typeof cell !== "object" || Array.isArray(cell)) return cell;
    const { id: _id, ...rest } = cell as Record<string, unknown>;
    return rest;
  };
  return { ...document, cells: cells.map(strip) };
}

/** ajv with the official schema of the document's minor (the relaxed newest one for a future minor). */
function ajvOracle(): (document: Record<string, unknown>) => boolean {
  // ajv-draft-04 is CommonJS: under NodeNext its default export arrives as `.default`.
  const Ajv = AjvDraft04.default;
  const ajv = new Ajv({ strict: false, allErrors: false });
  const schemaFile = (minor: number) => JSON.parse(readShared(`fixtures/nbformat/schema/nbformat.v4.${minor}.schema.json`));
  const strict = [0, 1, 2, 3, 4, 5].map((minor) => ajv.compile(schemaFile(minor)));
  const relaxed = ajv.compile(relax(schemaFile(5)));
  return (document) => {
    const minor = document["nbformat_minor"];
    if (typeof minor === "number" && Number.isInteger(minor) && minor > 5) return relaxed(document) as boolean;
    const index = typeof minor === "number" && Number.isInteger(minor) && minor >= 0 && minor <= 5 ? minor : 5;
    return strict[index]!(document) as boolean;
  };
}

/** `total` seeded mutations, each of a seed document picked at random. */
function* mutations(originals: readonly Record<string, unknown>[], seed: number, total: number) {
  const random = mulberry32(seed);
  for (let i = 0; i < total; i++) {
    const base = originals[Math.floor(random() * originals.length)]!;
    yield { i, ...mutateNotebook(base, random) };
  }
}

const seedDocuments = () => seeds.map((file) => JSON.parse(readShared(`fixtures/nbformat/tests/${file}`)) as Record<string, unknown>);

describe.skipIf(!present)("validator agrees with ajv + the official nbformat schemas", () => {
  it("on 1,500 seeded mutations of the fixtures", () => {
    const oracle = ajvOracle();
    const disagreements: string[] = [];
    const principled = { duplicateIds: 0, legacyMajor: 0, idsBeforeFourFive: 0 };
    let accepted = 0;
    const total = 1500;
    for (const { i, document, steps } of mutations(seedDocuments(), 20261121, total)) {
      const ours = validateNotebook(document);
      if (ours.valid) accepted++;
      const ajvVerdict = oracle(document);
      if (ours.valid === ajvVerdict) continue;
      // Principled differences: nbformat (and Parallax) refuse duplicate cell ids from 4.5, which no
      // JSON schema can express; and nbformat 1–3 documents are converted rather than schema-checked.
      const errors = ours.valid ? [] : ours.errors;
      if (!ours.valid && ajvVerdict && errors.every((e) => e.includes("duplicate cell id"))) {
        principled.duplicateIds++;
        continue;
      }
      // Jupyter opens a 4.0–4.4 notebook whose cells carry ids (tools write them); Parallax keeps them.
      if (ours.valid && !ajvVerdict && oracle(withoutCellIds(document))) {
        principled.idsBeforeFourFive++;
        continue;
      }
      if ([1, 2, 3].includes(document["nbformat"] as number)) {
        principled.legacyMajor++;
        continue;
      }
      disagreements.push(`#${i} ${steps.join(", ")} → ours ${ours.valid} ajv ${ajvVerdict} ${errors.join("; ")}`);
    }
    console.info(`ajv oracle: ${total} mutated notebooks, ${accepted} accepted by us, principled differences ${JSON.stringify(principled)}`);
    expect(disagreements.slice(0, 10)).toEqual([]);
    // The mutations must exercise both verdicts, or the comparison proves little.
    expect(accepted).toBeGreaterThan(total * 0.15);
    expect(accepted).toBeLessThan(total * 0.85);
  });

  it("tolerant reading (readNotebook) refuses nothing the schema accepts but what 4.5 cannot hold, and stores only what ajv accepts", () => {
    const oracle = ajvOracle();
    const originals = seedDocuments();
    // The visionOS app's shape: 4.5 without ids and with `outputs` on a markdown cell, mutated too.
    const appShaped = structuredClone(originals[1]!) as { cells: Array<Record<string, unknown>> };
    appShaped.cells = appShaped.cells.map(({ id: _id, ...cell }) => (cell["cell_type"] === "markdown" ? { ...cell, outputs: [], execution_count: null } : cell));
    originals.push(appShaped as unknown as Record<string, unknown>);
    const failures: string[] = [];
    // Where the two verdicts differ, a repair (or the 4.5 the notebook is stored as) is the reason.
    const principled = { idsGenerated: 0, duplicateIdsReplaced: 0, cellKeysDropped: 0, notStorableAsFourFive: 0 };
    let counter = 0;
    const total = 1500;
    for (const { i, document, steps } of mutations(originals, 20260716, total)) {
      const strict = validateNotebook(document);
      const reading = readNotebook(structuredClone(document), () => `r${++counter}`);
      const label = `#${i} ${steps.join(", ")}`;
      if (Result.isFailure(reading)) {
        // An older minor leaves keys free that 4.5 types (metadata.title, authors, jupyter): such a
        // notebook is valid as it is, but cannot be stored as the valid 4.5 Parallax keeps.
        if (reading.failure.every((error) => error.startsWith("as nbformat 4.5,"))) principled.notStorableAsFourFive++;
        else if (strict.valid) failures.push(`${label}: valid, yet reading refused it (${reading.failure.join("; ")})`);
        continue;
      }
      const { notebook, repairs } = reading.success;
      const stored = JSON.parse(JSON.stringify(notebook)) as Record<string, unknown>;
      if (!oracle(stored)) failures.push(`${label}: the stored form is not valid nbformat`);
      if (strict.valid) continue;
      if (repairs.length === 0) failures.push(`${label}: refused by the schema, read without a repair`);
      if (repairs.some((repair) => repair.includes("missing, generated"))) principled.idsGenerated++;
      if (repairs.some((repair) => repair.includes("duplicate"))) principled.duplicateIdsReplaced++;
      if (repairs.some((repair) => repair.includes("dropped"))) principled.cellKeysDropped++;
    }
    console.info(`tolerant reading: ${total} mutated notebooks, repaired where the schema refused ${JSON.stringify(principled)}`);
    expect(failures.slice(0, 10)).toEqual([]);
    // Each kind of repair must actually be exercised, or the comparison proves little.
    expect(Object.values(principled).every((count) => count > 0)).toBe(true);
  });
});
