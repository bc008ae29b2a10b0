import * as Effect from "effect/Effect";
import * as Result from "effect/Result";
import { StorageFailure } from "@parallax/domain";
import { parseStoredNotebook, type Notebook } from "@parallax/domain/notebook";

/**
 * A document read back from a store, parsed with nbformat's schema: damage (a torn or hand-edited
 * file, another tool's bad write) is a `StorageFailure` naming where it lies, reported when it is
 * read, never a malformed notebook that fails somewhere later.
 */
export function parseStored(bytes: Uint8Array, where: string): Effect.Effect<Notebook, StorageFailure> {
  const parsed = parseStoredNotebook(new TextDecoder().decode(bytes));
  if (Result.isSuccess(parsed)) return Effect.succeed(parsed.success);
  return Effect.fail(new StorageFailure({ message: `Stored notebook ${where} is damaged: ${parsed.failure.slice(0, 5).join("; ")}` }));
}
