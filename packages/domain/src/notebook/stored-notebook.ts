import * as Result from "effect/Result";
import type { Notebook } from "./nbformat.types.js";
import { parseNotebookJson } from "./notebook-json.js";
import { validateNotebook } from "./validate.js";

/**
 * The form a notebook is stored in, and read back from: nbformat's own layout (indent 1, a
 * trailing newline), so a stored file diffs cleanly against one JupyterLab saved.
 */
export function serializeNotebook(notebook: Notebook): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(notebook, null, 1)}\n`);
}

/**
 * A stored document read back, checked against nbformat's schema as it is. Unlike an upload
 * (`readNotebook`), nothing is repaired or upgraded to 4.5: a notebook JupyterLab wrote in an
 * older minor reads as it is on disk (a v1–v3 one is converted, as nbformat reads it). What
 * does not parse is damage, reported with every reason. The text may come in pieces (as a file is
 * read); long strings of the document are slices of it (`parseNotebookJson`).
 */
export function parseStoredNotebook(text: string | readonly string[]): Result.Result<Notebook, readonly string[]> {
  let document: unknown;
  try {
    document = parseNotebookJson(text);
  } catch (error) {
    return Result.fail([`not JSON (${(error as Error).message})`]);
  }
  const verdict = validateNotebook(document);
  return verdict.valid ? Result.succeed(verdict.notebook) : Result.fail(verdict.errors);
}
