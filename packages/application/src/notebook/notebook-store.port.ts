import type * as Effect from "effect/Effect";
import type { Conflict, NotFound, StorageFailure } from "@parallax/domain";
import type { JsonObject, Notebook } from "@parallax/domain/notebook";

export interface StoredNotebook {
  /** The file name, `name.ipynb`. */
  readonly name: string;
  readonly notebook: Notebook;
  /** Opaque; changes on every write. Compare-and-swap token for `put`. */
  readonly version: string;
}

/** A stored document as it is, for serving without a parse. */
export interface StoredBytes {
  readonly bytes: Uint8Array;
  /** The version these bytes are (`StoredNotebook.version`): changes on every write, so it is a strong validator (an ETag). */
  readonly version: string;
  /** The document's top-level metadata (its owner), for the access check; shared with the store, so not to be modified. */
  readonly metadata: Readonly<JsonObject>;
}

/** What a listing needs of a notebook without its cells (a reactive notebook's title is `metadata.parallax.name`). */
export interface NotebookSummary {
  readonly name: string;
  /** The notebook's top-level metadata; shared with the store's index, so not to be modified. */
  readonly metadata: Readonly<JsonObject>;
}

/**
 * Where notebooks live (files under DATA_DIR, DynamoDB, memory). Names are already
 * sanitised by the domain (`parseNotebookName`). Writes are atomic: a reader sees the old
 * document or the new one, never a torn one.
 */
export interface NotebookStore {
  list(): Effect.Effect<readonly string[], StorageFailure>;
  /**
   * Every notebook's summary, sorted by name. A listing must not cost a parse of every
   * document (one can be 100 MB): stores keep summaries and read a document again only
   * when its version changed.
   */
  listSummaries(): Effect.Effect<readonly NotebookSummary[], StorageFailure>;
  /** The caller owns the returned document (a fresh parse or copy) and may modify it. */
  get(name: string): Effect.Effect<StoredNotebook, NotFound | StorageFailure>;
  /**
   * The stored document's bytes as they are (serving them skips a parse and a re-serialise), with
   * their version and metadata. Served on every GET: stores keep the bytes of a version they
   * read or wrote rather than read them again.
   */
  readBytes(name: string): Effect.Effect<StoredBytes, NotFound | StorageFailure>;
  /**
   * Writes `notebook` under `name`. With `expectedVersion` a string, only if the stored version
   * still equals it; `null`, only if no notebook has that name; `undefined`, unconditionally.
   * A failed condition is a `Conflict` and nothing is written.
   */
  put(name: string, notebook: Notebook, expectedVersion?: string | null): Effect.Effect<StoredNotebook, Conflict | StorageFailure>;
  delete(name: string): Effect.Effect<void, NotFound | StorageFailure>;
}
export const NotebookStore = Symbol.for("parallax.NotebookStore");
