import * as Result from "effect/Result";
import { InvalidInput } from "../shared/errors.js";

/** In UTF-8 bytes: file systems limit a name to 255, and the store adds a temp suffix (~30). */
const MAX_NAME_BYTES = 200;
const EXTENSION = ".ipynb";
/** Letters and digits of any script (with their combining marks), and a few safe separators. */
const allowed = /^[\p{L}\p{N}][\p{L}\p{M}\p{N} ._()-]*$/u;
/** Characters that make a name display differently from what it is (NUL and other controls, bidi overrides and marks). */
const deceptive = /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/**
 * A stored notebook's file name, `stem.ipynb`. Anything that could leave DATA_DIR or confuse a
 * file system or a reader (separators, `..`, control characters, bidirectional overrides,
 * leading dots) is refused, not rewritten: silently renaming would store under a name the
 * client never asked for. Two spellings of one name are one name: Unicode is NFC-normalised
 * (a macOS client sends `données` decomposed) and the extension is matched in any case and
 * stored as `.ipynb`.
 */
export function parseNotebookName(raw: string): Result.Result<string, InvalidInput> {
  const fail = (message: string) => Result.fail(new InvalidInput({ message }));
  if (deceptive.test(raw)) return fail("Invalid notebook name: control characters and bidirectional text controls are not allowed");
  const trimmed = raw.normalize("NFC").trim();
  if (trimmed.length === 0) return fail("Notebook name is empty");
  if (trimmed.includes("/") || trimmed.includes("\\") || trimmed.includes("..")) return fail("Invalid notebook name: path separators and '..' are not allowed");
  const stem = trimmed.toLowerCase().endsWith(EXTENSION) ? trimmed.slice(0, -EXTENSION.length) : trimmed;
  const name = `${stem}${EXTENSION}`;
  if (new TextEncoder().encode(name).length > MAX_NAME_BYTES) return fail(`Invalid notebook name: longer than ${MAX_NAME_BYTES} bytes in UTF-8`);
  if (!allowed.test(stem)) return fail("Invalid notebook name: use letters, digits, spaces, '.', '_', '-', '(' and ')'");
  return Result.succeed(name);
}
