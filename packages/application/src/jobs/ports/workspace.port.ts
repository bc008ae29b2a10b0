import type * as Effect from "effect/Effect";
import type { StorageFailure } from "@parallax/domain";

/**
 * The files pipelines work on, as seen by preconditions and status probes. Paths and
 * globs are relative to the pipelines' base directory.
 */
export interface Workspace {
  countMatches(glob: string): Effect.Effect<number, StorageFailure>;
  exists(path: string): Effect.Effect<boolean, StorageFailure>;
  /** The parsed JSON document, or undefined when the file is missing or not JSON. */
  readJson(path: string): Effect.Effect<unknown, StorageFailure>;
  /** Absolute form of a base-relative path (cwd of jobs, annotation file). */
  resolve(path: string): string;
}
export const Workspace = Symbol.for("parallax.Workspace");
