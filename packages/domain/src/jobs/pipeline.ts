import * as Result from "effect/Result";
import { z } from "zod";
import type { ParamValue } from "./job.js";
import { prioritySchema } from "./job-input.js";
import { probeSchema } from "./probe.js";

/**
 * The PIPELINES_FILE format: named pipelines (argv templates with typed params) and the
 * status probes of `GET /api/status`. Relative paths resolve against `base_dir`, which
 * defaults to the directory holding the file.
 */
const paramName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a parameter name is letters, digits and _");

export const paramSpecSchema = z
  .object({
    type: z.enum(["string", "integer", "number", "boolean"]).default("string"),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
    required: z.boolean().optional(),
    description: z.string().optional(),
    enum: z.array(z.union([z.string(), z.number()])).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    /** For strings: a regular expression the whole value must match. */
    pattern: z.string().optional(),
  })
  .strict();
export type ParamSpec = z.infer<typeof paramSpecSchema>;

export const pipelineSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "a pipeline name is letters, digits, '.', '_' and '-'"),
    description: z.string().optional(),
    command: z.array(z.string()).min(1, "command needs at least the program"),
    params: z.record(paramName, paramSpecSchema).default({}),
    cwd: z.string().default("."),
    env: z.record(z.string(), z.string()).default({}),
    timeout_s: z.number().positive().nullable().default(null),
    max_attempts: z.number().int().min(1).default(1),
    backoff_s: z.object({ base: z.number().min(0).default(1), max: z.number().min(0).default(60) }).strict().default({ base: 1, max: 60 }),
    max_stalls: z.number().int().min(0).default(5),
    priority: prioritySchema.default(0),
    exclusive: z.boolean().default(false),
    requires: z.array(z.string().min(1)).default([]),
    requires_message: z.string().optional(),
    then: z.array(z.string()).default([]),
    message: z.string().optional(),
  })
  .strict();
export type Pipeline = z.infer<typeof pipelineSchema>;

export const pipelinesFileSchema = z
  .object({
    base_dir: z.string().optional(),
    /** Where `POST /api/annotations` keeps annotations (relative to base_dir). */
    annotations_file: z.string().default("annotations.json"),
    pipelines: z.array(pipelineSchema),
    status: z.record(z.string(), probeSchema).default({}),
  })
  .strict()
  .superRefine((file, ctx) => {
    const names = new Set<string>();
    for (const [index, pipeline] of file.pipelines.entries()) {
      if (names.has(pipeline.name)) ctx.addIssue({ code: "custom", path: ["pipelines", index, "name"], message: `duplicate pipeline '${pipeline.name}'` });
      names.add(pipeline.name);
    }
    for (const [index, pipeline] of file.pipelines.entries()) {
      for (const follow of pipeline.then) {
        if (!names.has(follow)) ctx.addIssue({ code: "custom", path: ["pipelines", index, "then"], message: `unknown pipeline '${follow}'` });
      }
      for (const [argIndex, arg] of pipeline.command.entries()) {
        for (const placeholder of placeholders(arg)) {
          if (!(placeholder in pipeline.params) && !BUILTIN_PLACEHOLDERS.includes(placeholder)) {
            ctx.addIssue({ code: "custom", path: ["pipelines", index, "command", argIndex], message: `unknown parameter {${placeholder}}` });
          }
        }
      }
    }
  });
export type PipelinesFile = z.infer<typeof pipelinesFileSchema>;

/** Placeholders every command may use besides its declared params. */
export const BUILTIN_PLACEHOLDERS: readonly string[] = ["job_id", "base_dir", "annotations_file"];

/** `{name}` is a placeholder; `{{` and `}}` are literal braces (for inline code in argv). */
const PLACEHOLDER = /\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function placeholders(arg: string): string[] {
  return [...arg.matchAll(PLACEHOLDER)].flatMap((match) => (match[1] === undefined ? [] : [match[1]]));
}

export type RawParams = Readonly<Record<string, unknown>>;

/** Validates raw params (query strings or JSON) against the pipeline's typed params; a refusal is the message for the client. */
export function resolveParams(pipeline: Pipeline, raw: RawParams): Result.Result<Record<string, ParamValue>, string> {
  const params: Record<string, ParamValue> = {};
  for (const name of Object.keys(raw)) {
    if (raw[name] !== undefined && !(name in pipeline.params)) return Result.fail(`Unknown parameter '${name}' for pipeline ${pipeline.name}`);
  }
  for (const [name, spec] of Object.entries(pipeline.params)) {
    const given = raw[name];
    // Absent takes the default; present but empty (`?tiles=`) is a value, checked like any other.
    if (given === undefined || given === null) {
      if (spec.default !== undefined) params[name] = spec.default;
      else if (spec.required !== false) return Result.fail(`Missing parameter '${name}' for pipeline ${pipeline.name}`);
      continue;
    }
    const coerced = coerce(spec, given);
    if (typeof coerced === "object") return Result.fail(`Parameter '${name}': ${coerced.error}`);
    params[name] = coerced;
  }
  return Result.succeed(params);
}

function coerce(spec: ParamSpec, given: unknown): ParamValue | { error: string } {
  if (typeof given === "object") return { error: "must be a single value" };
  const text = String(given);
  let value: ParamValue;
  switch (spec.type) {
    case "integer":
    case "number": {
      const parsed = typeof given === "number" ? given : text.trim() === "" ? Number.NaN : Number(text);
      if (!Number.isFinite(parsed)) return { error: `expected a number, got '${text}'` };
      if (spec.type === "integer" && !Number.isInteger(parsed)) return { error: `expected an integer, got '${text}'` };
      if (spec.min !== undefined && parsed < spec.min) return { error: `must be ≥ ${spec.min}` };
      if (spec.max !== undefined && parsed > spec.max) return { error: `must be ≤ ${spec.max}` };
      value = parsed;
      break;
    }
    case "boolean":
      if (given === true || text === "true" || text === "1") value = true;
      else if (given === false || text === "false" || text === "0") value = false;
      else return { error: `expected true or false, got '${text}'` };
      break;
    default:
      if (spec.pattern !== undefined && !new RegExp(`^(?:${spec.pattern})$`).test(text)) return { error: `'${text}' does not match ${spec.pattern}` };
      value = text;
  }
  if (spec.enum !== undefined && !spec.enum.some((allowed) => String(allowed) === String(value))) {
    return { error: `must be one of ${spec.enum.join(", ")}` };
  }
  return value;
}

/**
 * Fills `{param}` placeholders argument by argument. Each argument stays one argv entry,
 * so a value with spaces or quotes is never split or interpreted: there is no shell.
 */
export function substituteCommand(command: readonly string[], values: Readonly<Record<string, ParamValue>>): string[] {
  return command.map((arg) =>
    arg.replace(PLACEHOLDER, (whole, name: string | undefined) => {
      if (name === undefined) return whole[0]!;
      return name in values ? String(values[name]) : whole;
    }),
  );
}
