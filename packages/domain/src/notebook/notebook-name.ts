import { InvalidInput } from "../shared/errors.js";

const MAX_NAME_LENGTH = 200;
const allowed = /^[A-Za-z0-9][A-Za-z0-9 ._()-]*$/;

/**
 * A stored notebook's file name, `stem.ipynb`. Anything that could leave DATA_DIR or confuse a
 * file system (separators, `..`, control characters, leading dots) is refused, not rewritten:
 * silently renaming would store under a name the client never asked for.
 */
export function parseNotebookName(raw: string): { ok: true; name: string } | { ok: false; error: InvalidInput } {
  const fail = (message: string) => ({ ok: false as const, error: new InvalidInput({ message }) });
  const trimmed = raw.trim();
  if (trimmed.length === 0) return fail("Notebook name is empty");
  if (trimmed.includes("/") || trimmed.includes("\\") || trimmed.includes("..")) return fail("Invalid notebook name: path separators and '..' are not allowed");
  const name = trimmed.toLowerCase().endsWith(".ipynb") ? trimmed : `${trimmed}.ipynb`;
  if (name.length > MAX_NAME_LENGTH) return fail(`Invalid notebook name: longer than ${MAX_NAME_LENGTH} characters`);
  const stem = name.slice(0, -".ipynb".length);
  if (!allowed.test(stem)) return fail("Invalid notebook name: use letters, digits, spaces, '.', '_', '-', '(' and ')'");
  return { ok: true, name };
}
