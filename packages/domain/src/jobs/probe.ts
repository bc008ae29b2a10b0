import { z } from "zod";

/**
 * The status probes of `GET /api/status`, as the PIPELINES_FILE declares them, and how a
 * `json` probe turns a document into the value clients see. Reading files is the
 * application's (through the Workspace port); this module only decides.
 */

/** `metadata.stats`, `features.0.id`: keys separated by '.', array items by index. */
const fieldPath = z.string().regex(/^[^.]+(\.[^.]+)*$/, "a field is keys separated by '.' (e.g. metadata.stats)");

/**
 * What a json probe's value must be. The annotation UI formats `model_iou` as a number and
 * reads counts out of `verification_stats`: a value of another type answers the probe's
 * default instead, so a malformed file shows as "unknown", never as a wrong value.
 */
const expectedValue = z.enum(["number", "integer", "string", "boolean", "object", "array"]);
const expectedValues: Record<z.infer<typeof expectedValue>, z.ZodType> = {
  number: z.number(),
  integer: z.number().int(),
  string: z.string(),
  boolean: z.boolean(),
  object: z.record(z.string(), z.unknown()),
  array: z.array(z.unknown()),
};

export const probeSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("count"), glob: z.string().min(1) }).strict(),
  z.object({ type: z.literal("exists"), path: z.string().min(1) }).strict(),
  z
    .object({
      type: z.literal("json"),
      path: z.string().min(1),
      /** Dotted path inside the document; the whole document when absent. */
      field: fieldPath.optional(),
      expect: expectedValue.optional(),
      /** Answer the length of the array (or key count of the object) instead of the value. */
      length: z.boolean().default(false),
      default: z.unknown().optional(),
    })
    .strict(),
]);
export type Probe = z.infer<typeof probeSchema>;
export type JsonProbe = Extract<Probe, { type: "json" }>;

/** The value a json probe reports for `document` (undefined when the file is missing or not JSON). */
export function jsonProbeValue(probe: JsonProbe, document: unknown): unknown {
  const value = probe.field === undefined ? document : pick(document, probe.field);
  const fallback = probe.default ?? (probe.length ? 0 : null);
  if (value === undefined) return fallback;
  if (probe.expect !== undefined && !expectedValues[probe.expect].safeParse(value).success) return fallback;
  if (!probe.length) return value;
  if (Array.isArray(value)) return value.length;
  if (value !== null && typeof value === "object") return Object.keys(value).length;
  return 0;
}

function pick(document: unknown, dotted: string): unknown {
  let current = document;
  for (const key of dotted.split(".")) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
