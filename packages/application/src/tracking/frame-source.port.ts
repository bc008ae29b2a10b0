import type * as Effect from "effect/Effect";
import type * as Stream from "effect/Stream";
import type { VideoDecodeFailed } from "./vision-errors.js";

/**
 * One decoded picture. `data` is packed RGB24: row-major, 3 bytes per pixel (R, G, B), no row
 * padding, so pixel (x, y) starts at `3 * (y * width + x)`. The frame owns its buffer; holding it
 * keeps it valid.
 */
export interface Frame {
  /** 0-based position in the stream of frames produced (after fps sampling). */
  readonly index: number;
  /** Presentation time of the frame in the video, in milliseconds. */
  readonly timestampMs: number;
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export interface FrameSourceOptions {
  /**
   * Output size in pixels. Given one side only, the other keeps the aspect ratio (rounded to an
   * even number); none keeps the video's size.
   */
  readonly width?: number;
  readonly height?: number;
  /** Sample to this many frames per second; absent, every decoded frame is produced. */
  readonly fps?: number;
  /** Start at this presentation time (ms); frame indices and timestamps then count from there. */
  readonly startMs?: number;
  /** Stop after this many frames (one, to fetch a single picture). */
  readonly maxFrames?: number;
}

/** What a video holds, read from its container before decoding (estimates for progress and ETA). */
export interface VideoInfo {
  /** Size of the decoded frames (after the rotation the container asks for). */
  readonly width: number;
  readonly height: number;
  /** Absent when the container does not say (live or damaged streams). */
  readonly durationMs?: number;
  /** Nominal frames per second; absent when unknown. */
  readonly frameRate?: number;
}

/**
 * Decoded frames of one video, in order. The stream is pulled: a slow consumer slows the decoder
 * instead of buffering frames. Ending or interrupting the stream stops the decoder, so nothing
 * outlives it; a video that cannot be decoded fails the stream with the decoder's reason.
 */
export interface FrameSource {
  /** `video` is a path or a URL the decoder can read (e.g. a presigned S3 URL). */
  frames(video: string, options?: FrameSourceOptions): Stream.Stream<Frame, VideoDecodeFailed>;
  /** Size, duration and frame rate without decoding (a task's total-frames estimate). */
  probe(video: string): Effect.Effect<VideoInfo, VideoDecodeFailed>;
  /**
   * `probe` of several videos, answered in their order; fails as `probe` of the first that fails.
   * An adapter reads them with one decoder start where it can: starting ffmpeg costs more than
   * reading a header, and a task probes every sub-video of every camera.
   */
  probeAll(videos: readonly string[]): Effect.Effect<VideoInfo[], VideoDecodeFailed>;
}
export const FrameSource = Symbol.for("parallax.FrameSource");
