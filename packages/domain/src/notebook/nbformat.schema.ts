import { z } from "zod";

/**
 * zod schemas mirroring nbformat's official JSON schemas, one per minor 4.0–4.5. A future
 * minor is checked against the newest schema relaxed as nbformat does: every object accepts
 * extra keys and unknown cell and output types are allowed.
 * Where JSON schema says `additionalProperties: false` we use `strictObject`, else `looseObject`.
 */
export interface SchemaOptions {
  minor: number;
  /** Future minor: nbformat relaxes additionalProperties and allows unrecognised cells/outputs. */
  relaxed: boolean;
}

const multilineString = z.union([z.string(), z.array(z.string())], {
  error: (issue) => (issue.input === undefined ? "is required" : "must be a string or a list of strings"),
});
const jsonMimeType = /^application\/(.*\+)?json$/;

const mimeBundle = z.record(z.string(), z.unknown()).superRefine((bundle, ctx) => {
  for (const [mime, value] of Object.entries(bundle)) {
    if (jsonMimeType.test(mime)) continue;
    const isText = typeof value === "string" || (Array.isArray(value) && value.every((line) => typeof line === "string"));
    if (!isText) ctx.addIssue({ code: "custom", path: [mime], message: `"${mime}" must be a string or a list of strings` });
  }
});

const metadataName = z.string().regex(/^.+$/, "must be a non-empty single line");
const metadataTags = z
  .array(z.string().regex(/^[^,]+$/, "tags must not be empty or contain commas"))
  .refine((tags) => new Set(tags).size === tags.length, "tags must be unique");
const executionCount = z.number().int().min(0).nullable();
export const cellIdPattern = /^[a-zA-Z0-9-_]+$/;
const cellId = z.string().min(1).max(64).regex(cellIdPattern, "cell id may only contain letters, digits, '-' and '_'");
const attachments = z.record(z.string(), mimeBundle);
const anyObject = z.looseObject({});
/** JSON schema's `{not: {enum}}` on a required key: any present value but those. */
const notOneOf = (values: readonly string[]) =>
  z.custom<unknown>((value) => value !== undefined && !(typeof value === "string" && values.includes(value)), {
    message: `must be present and not one of ${values.join(", ")}`,
  });

export function notebookSchema({ minor, relaxed }: SchemaOptions) {
  const object = <T extends z.ZodRawShape>(shape: T) => (relaxed ? z.looseObject(shape) : z.strictObject(shape));
  // Cell ids arrived in 4.5, but tools (JupyterLab among them) write them into older minors too
  // and Jupyter opens such files: before 4.5 a well-formed id is allowed, and kept on upgrade.
  const withId: z.ZodRawShape = minor >= 5 ? { id: cellId } : { id: cellId.optional() };
  const jupyterMeta: z.ZodRawShape = minor >= 3 ? { jupyter: anyObject.optional() } : {};
  const executionMeta: z.ZodRawShape =
    minor >= 4
      ? {
          execution: z
            .record(z.string(), z.unknown())
            .superRefine((execution, ctx) => {
              for (const [key, value] of Object.entries(execution)) {
                if (/^.*$/.test(key) && typeof value !== "string") {
                  ctx.addIssue({ code: "custom", path: [key], message: "execution timings must be strings" });
                }
              }
            })
            .optional(),
        }
      : {};

  const outputMetadata = anyObject;
  const knownOutputs = [
    object({ output_type: z.literal("execute_result"), execution_count: executionCount, data: mimeBundle, metadata: outputMetadata }),
    object({ output_type: z.literal("display_data"), data: mimeBundle, metadata: outputMetadata }),
    object({ output_type: z.literal("stream"), name: z.string(), text: multilineString }),
    object({ output_type: z.literal("error"), ename: z.string(), evalue: z.string(), traceback: z.array(z.string()) }),
  ] as const;
  const knownOutput = z.discriminatedUnion("output_type", knownOutputs);
  const outputTypes = ["execute_result", "display_data", "stream", "error"];
  const output = relaxed
    ? z.union([knownOutput, z.looseObject({ output_type: notOneOf(outputTypes) })])
    : knownOutput;

  const rawCell = object({
    ...withId,
    cell_type: z.literal("raw"),
    metadata: z.looseObject({ format: z.string().optional(), name: metadataName.optional(), tags: metadataTags.optional(), ...jupyterMeta }),
    attachments: attachments.optional(),
    source: multilineString,
  });
  const markdownCell = object({
    ...withId,
    cell_type: z.literal("markdown"),
    metadata: z.looseObject({ name: metadataName.optional(), tags: metadataTags.optional(), ...jupyterMeta }),
    attachments: attachments.optional(),
    source: multilineString,
  });
  const codeCell = object({
    ...withId,
    cell_type: z.literal("code"),
    metadata: z.looseObject({
      collapsed: z.boolean().optional(),
      scrolled: z.union([z.boolean(), z.literal("auto")]).optional(),
      name: metadataName.optional(),
      tags: metadataTags.optional(),
      ...jupyterMeta,
      ...executionMeta,
    }),
    source: multilineString,
    outputs: z.array(output),
    execution_count: executionCount,
  });
  const knownCell = z.discriminatedUnion("cell_type", [rawCell, markdownCell, codeCell]);
  const cellTypes = ["raw", "markdown", "code"];
  const cell = relaxed
    ? z.union([
        knownCell,
        z.looseObject({
          cell_type: notOneOf(cellTypes),
          metadata: z.looseObject({ name: metadataName.optional(), tags: metadataTags.optional() }),
        }),
      ])
    : knownCell;

  const docInfo: z.ZodRawShape = minor >= 2 ? { title: z.string().optional(), authors: z.array(z.unknown()).optional() } : {};
  return object({
    metadata: z.looseObject({
      kernelspec: z.looseObject({ name: z.string(), display_name: z.string() }).optional(),
      language_info: z
        .looseObject({
          name: z.string(),
          codemirror_mode: z.union([z.string(), anyObject]).optional(),
          file_extension: z.string().optional(),
          mimetype: z.string().optional(),
          pygments_lexer: z.string().optional(),
        })
        .optional(),
      orig_nbformat: z.number().int().min(1).optional(),
      ...docInfo,
    }),
    nbformat_minor: z.number().int().min(minor),
    nbformat: z.literal(4),
    cells: z.array(cell),
  });
}

const cache = new Map<string, ReturnType<typeof notebookSchema>>();

export function schemaFor(options: SchemaOptions): ReturnType<typeof notebookSchema> {
  const key = `${options.minor}:${options.relaxed}`;
  let schema = cache.get(key);
  if (!schema) {
    schema = notebookSchema(options);
    cache.set(key, schema);
  }
  return schema;
}
