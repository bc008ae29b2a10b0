import type * as Effect from "effect/Effect";
import type { StorageFailure } from "@parallax/domain";

/**
 * Whether the configured stores answer (a table described, a bucket reached, a directory
 * writable). A host answers `GET /ready` 503 until it succeeds; workers wait for it before
 * claiming. A failure names the store that did not answer.
 */
export interface StoreReadiness {
  readonly check: Effect.Effect<void, StorageFailure>;
}
export const StoreReadiness = Symbol.for("parallax.StoreReadiness");
