import type * as Effect from "effect/Effect";
import type { StorageFailure } from "@parallax/domain";

export interface AnnotationsDocument {
  readonly annotations: unknown[];
  readonly updated_at: string | null;
}

/** Where the annotation UI's annotations live (a JSON file the apply pipeline reads). */
export interface AnnotationStore {
  load(): Effect.Effect<AnnotationsDocument, StorageFailure>;
  save(annotations: readonly unknown[], now: Date): Effect.Effect<AnnotationsDocument, StorageFailure>;
}
export const AnnotationStore = Symbol.for("parallax.AnnotationStore");
