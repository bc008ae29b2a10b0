import type * as Effect from "effect/Effect";
import type { NotFound, StorageFailure } from "@parallax/domain";

/** One camera of an environment: its sub-videos in playing order and where its calibration is. */
export interface CatalogCamera {
  readonly id: string;
  /** Paths or URLs the frame source reads, `sub_video_01.mp4` first. */
  readonly videos: readonly string[];
  /** A location `HomographySource.load` reads; absent for an uncalibrated camera (no map coordinates). */
  readonly homography?: string;
}

export interface Environment {
  readonly id: string;
  /** In the environment's order; every `tracking_update` lists each of them. */
  readonly cameras: readonly CatalogCamera[];
  /** Camera pairs whose views overlap (identity handoff); absent: any pair may overlap. */
  readonly overlaps?: readonly (readonly [string, string])[];
  readonly mapUnits: string;
}

/**
 * Where an environment's videos are: environment → cameras → ordered sub-videos. Cameras of one
 * environment have the same number of sub-videos, played in lockstep (sub-video k of every camera
 * is one batch). Looking an environment up may prepare it (the built-in demo is rendered on first
 * use), so it is an effect that can take a while the first time.
 */
export interface VideoCatalog {
  /** The ids of the environments known, without preparing any. */
  readonly ids: Effect.Effect<readonly string[], StorageFailure>;
  /**
   * The ids whose videos and calibration are there now (the demo once rendered). What a host
   * preloads at start: rendering the demo belongs to its first use, not to every start.
   */
  readonly preparedIds: Effect.Effect<readonly string[], StorageFailure>;
  /** Fails with `NotFound` for an unknown id, at once. */
  environment(id: string): Effect.Effect<Environment, NotFound | StorageFailure>;
}
export const VideoCatalog = Symbol.for("parallax.VideoCatalog");
