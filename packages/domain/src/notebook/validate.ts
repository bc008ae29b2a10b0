import * as Result from "effect/Result";
import type { z } from "zod";
import { convertLegacyNotebook } from "./legacy.js";
import { CURRENT_MINOR, type Notebook } from "./nbformat.types.js";
import { schemaFor } from "./nbformat.schema.js";

export type NotebookVerdict =
  | { readonly valid: true; readonly notebook: Notebook; readonly warnings: readonly string[] }
  | { readonly valid: false; readonly errors: readonly string[] };

/**
 * Validates a parsed `.ipynb` document as nbformat does: v4 against the schema of its declared
 * minor (4.0–4.5), a future minor leniently, cell ids unique, and v2/v3 documents converted to
 * v4 first. One deliberate difference: a minor before 4.5 may carry well-formed cell ids (as
 * Jupyter opens such files); `upgradeToCurrentMinor` keeps them. The notebook returned is the
 * input itself (v4) or its conversion.
 */
export function validateNotebook(document: unknown): NotebookVerdict {
  if (!isObject(document)) return invalid(["a notebook must be a JSON object"]);
  const major = document["nbformat"];
  if (major === 3 || major === 2 || major === 1) {
    const converted = convertLegacyNotebook(document);
    if (Result.isFailure(converted)) return invalid(converted.failure);
    const verdict = validateNotebook(converted.success);
    return verdict.valid ? { ...verdict, warnings: [`converted from nbformat ${major} to 4`, ...verdict.warnings] } : verdict;
  }
  if (major !== 4) return invalid([`nbformat: unsupported version ${JSON.stringify(major)} (expected 4)`]);

  const declared = document["nbformat_minor"];
  const minor = typeof declared === "number" && Number.isInteger(declared) ? declared : CURRENT_MINOR;
  const relaxed = minor > CURRENT_MINOR;
  const schema = schemaFor({ minor: relaxed ? CURRENT_MINOR : Math.max(0, minor), relaxed });
  const result = schema.safeParse(document);
  const errors = result.success ? [] : formatIssues(result.error.issues);
  errors.push(...duplicateCellIds(document["cells"]));
  if (errors.length > 0) return invalid(errors);
  return { valid: true, notebook: document as unknown as Notebook, warnings: relaxed ? [`nbformat 4.${minor} is newer than 4.${CURRENT_MINOR}: validated leniently`] : [] };
}

function duplicateCellIds(cells: unknown): string[] {
  if (!Array.isArray(cells)) return [];
  const seen = new Map<string, number>();
  const errors: string[] = [];
  cells.forEach((cell, index) => {
    const id = isObject(cell) ? cell["id"] : undefined;
    if (typeof id !== "string") return;
    const first = seen.get(id);
    if (first === undefined) seen.set(id, index);
    else errors.push(`cells[${index}].id: duplicate cell id '${id}' (also cells[${first}])`);
  });
  return errors;
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => `${formatPath(issue.path)}: ${describeIssue(issue)}`);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_union" && "note" in issue && issue.note === "No matching discriminator") {
    const key = issue.discriminator ?? "type";
    return `unknown ${key}`;
  }
  if (issue.code === "unrecognized_keys") return `unexpected ${issue.keys.length > 1 ? "properties" : "property"} ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
  return issue.message;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "notebook";
  let text = "";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else text += text ? `.${String(key)}` : String(key);
  }
  return text;
}

function invalid(errors: readonly string[]): NotebookVerdict {
  return { valid: false, errors };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
