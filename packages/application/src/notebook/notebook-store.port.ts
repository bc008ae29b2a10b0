import type { Effect } from "effect";
import type { Conflict, NotFound, StorageFailure } from "@parallax/domain";
import type { Notebook } from "@parallax/domain/notebook";

export interface StoredNotebook {
  /** The file name, `name.ipynb`. */
  readonly name: string;
  readonly notebook: Notebook;
  /** Opaque; changes on every write. Compare-and-swap token for `put`. */
  readonly version: string;
}

/**
 * Where notebooks live (files under DATA_DIR, DynamoDB, memory). Names are already
 * sanitised by the domain (`parseNotebookName`). Writes are atomic: a reader sees the old
 * document or the new one, never a torn one.
 */
export interface NotebookStore {
  list(): Effect.Effect<readonly string[], StorageFailure>;
  /** The caller owns the returned document (a fresh parse or copy) and may modify it. */
  get(name: string): Effect.Effect<StoredNotebook, NotFound | StorageFailure>;
  /** The stored document's bytes as they are (serving them skips a parse and a re-serialise). */
  readBytes(name: string): Effect.Effect<Uint8Array, NotFound | StorageFailure>;
  /**
   * Writes `notebook` under `name`. With `expectedVersion` a string, only if the stored version
   * still equals it; `null`, only if no notebook has that name; `undefined`, unconditionally.
   * A failed condition is a `Conflict` and nothing is written.
   */
  put(name: string, notebook: Notebook, expectedVersion?: string | null): Effect.Effect<StoredNotebook, Conflict | StorageFailure>;
  delete(name: string): Effect.Effect<void, NotFound | StorageFailure>;
}
export const NotebookStore = Symbol.for("parallax.NotebookStore");
