import type * as Effect from "effect/Effect";
import type * as Stream from "effect/Stream";
import type { NotFound, StorageFailure } from "@parallax/domain";

/** Bytes `start`..`end` of an object, both included (HTTP's Range), `end` past the last byte allowed. */
export interface ByteRange {
  readonly start: number;
  readonly end?: number;
}

/**
 * Objects by key (S3, or files): whole puts, ranged reads, prefix listings, deletes, and a
 * streamed upload for results too large to hold in memory. Keys are `/`-separated and chosen
 * by the caller; a put replaces the object whole (a reader sees the old bytes or the new).
 */
export interface BlobStore {
  put(key: string, body: Uint8Array, options?: { readonly contentType?: string }): Effect.Effect<void, StorageFailure>;
  get(key: string, range?: ByteRange): Effect.Effect<Uint8Array, NotFound | StorageFailure>;
  /** Every key under `prefix`, sorted; with `after`, only the keys sorting after it (a reader resuming a listing). */
  list(prefix: string, options?: { readonly after?: string }): Effect.Effect<readonly string[], StorageFailure>;
  /** Deleting a missing key succeeds (deletes are retried after crashes). */
  delete(key: string): Effect.Effect<void, StorageFailure>;
  /** Streams `body` into `key` in parts (multipart above a part's size); returns the bytes written. */
  upload(key: string, body: Stream.Stream<Uint8Array, StorageFailure>, options?: { readonly contentType?: string }): Effect.Effect<number, StorageFailure>;
}
export const BlobStore = Symbol.for("parallax.BlobStore");
