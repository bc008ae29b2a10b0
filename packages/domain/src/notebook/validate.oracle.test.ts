import AjvDraft04 from "ajv-draft-04";
import { describe, expect, it } from "vitest";
import { validateNotebook } from "./validate.js";
import { mulberry32 } from "../shared/seeded-random.js";
import { mutateNotebook } from "./validate.mutations.js";
import { hasShared, readShared, sharedPath } from "../../../../tests/shared-fixtures.js";

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

describe.skipIf(!present)("validator agrees with ajv + the official nbformat schemas", () => {
  it("on 1,500 seeded mutations of the fixtures", () => {
    // ajv-draft-04 is CommonJS: under NodeNext its default export arrives as `.default`.
    const Ajv = AjvDraft04.default;
    const ajv = new Ajv({ strict: false, allErrors: false });
    const schemaFile = (minor: number) => JSON.parse(readShared(`fixtures/nbformat/schema/nbformat.v4.${minor}.schema.json`));
    const strict = [0, 1, 2, 3, 4, 5].map((minor) => ajv.compile(schemaFile(minor)));
    const relaxed = ajv.compile(relax(schemaFile(5)));
    const oracle = (document: Record<string, unknown>): boolean => {
      const minor = document["nbformat_minor"];
      if (typeof minor === "number" && Number.isInteger(minor) && minor > 5) return relaxed(document) as boolean;
      const index = typeof minor === "number" && Number.isInteger(minor) && minor >= 0 && minor <= 5 ? minor : 5;
      return strict[index]!(document) as boolean;
    };

    const random = mulberry32(20261121);
    const originals = seeds.map((file) => JSON.parse(readShared(`fixtures/nbformat/tests/${file}`)) as Record<string, unknown>);
    const disagreements: string[] = [];
    const principled = { duplicateIds: 0, legacyMajor: 0, idsBeforeFourFive: 0 };
    let accepted = 0;
    const total = 1500;
    for (let i = 0; i < total; i++) {
      const base = originals[Math.floor(random() * originals.length)]!;
      const { document, steps } = mutateNotebook(base, random);
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
});
