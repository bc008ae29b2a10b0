import { z } from "zod";
import { DEFAULT_TRACKING_OPTIONS, type TrackingOptions } from "@parallax/application/tracking";
import type { SharedConfig } from "../shared/shared.config.js";
import type { AwsConfig } from "../aws/aws.config.js";

/** Environment variables of the tracking capability (composed into the one config schema in `composition/`). */
export const trackingConfigShape = {
  /** `motion`: weight-free background subtraction (static cameras); `onnx`: a YOLOX model. */
  DETECTOR: z.enum(["motion", "onnx"]).default("motion"),
  /** The YOLOX .onnx file when DETECTOR=onnx (relative paths are taken from the working directory). */
  DETECTOR_MODEL: z.string().default(""),
  /** `histogram`: weight-free HSV colour histograms; `onnx`: an OSNet-style re-ID model. */
  REID: z.enum(["histogram", "onnx"]).default("histogram"),
  /** The re-ID .onnx file when REID=onnx. */
  REID_MODEL: z.string().default(""),
  /**
   * onnxruntime intra-op threads per model; 0 lets onnxruntime use one per core. One by default:
   * YOLOX-Nano ran at ~12 ms/frame on one thread and ~21–26 ms on two on a busy 2-core machine, and
   * the decoders (ffmpeg) and the tracker need the other core.
   */
  DETECT_THREADS: z.coerce.number().int().min(0).max(256).default(1),
  /** Processing tasks sample every camera to this many frames per second (0: every decoded frame). */
  TRACKING_FPS: z.coerce.number().min(0).max(120).default(10),
  /** Processing tasks scale frames to this width before detection (0: as decoded); YOLOX-Nano sees 416. */
  TRACKING_WIDTH: z.coerce.number().int().min(0).max(8192).default(0),
  /** JPEG quality (1–100) of the camera pictures sent to clients (`frame_image_base64`, the frames route). */
  TRACKING_JPEG_QUALITY: z.coerce.number().int().min(1).max(100).default(70),
  /** Camera pictures wider than this are scaled down for clients (0: sent at the decoded size). */
  TRACKING_JPEG_MAX_WIDTH: z.coerce.number().int().min(0).max(8192).default(640),
  /** The environments file (cameras, sub-videos, calibrations); empty: only the built-in `demo`. */
  ENVIRONMENTS_FILE: z.string().default(""),
  /**
   * The cap on the video cache (`DATA_DIR/tracking/cache`, `s3://` objects downloaded once), in MiB:
   * least recently used entries are removed after each download until the rest fit; 0: no cap.
   * Must exceed the largest task's videos (a task fetches all of them before decoding any).
   */
  TRACKING_CACHE_MAX_MB: z.coerce.number().int().min(0).max(1 << 30).default(10240),
  /**
   * Where processing tasks run: `host` in the process that accepted them, `queue` as jobs that
   * workers take (`parallax worker`), `auto` (default) `queue` when the host runs no worker (`WORKER=off`).
   */
  TRACKING_RUNNER: z.enum(["auto", "host", "queue"]).default("auto"),
  /**
   * The command a worker runs a queued task with, `track-task <task_id>` appended: a JSON array of
   * argv (`["node","/srv/parallax/apps/worker/bin/parallax.js"]`); empty: this checkout's CLI.
   */
  TRACKING_TASK_COMMAND: z.string().default(""),
  /** Overrides STORAGE for processing tasks' records and results. */
  TASKS_STORE: z.enum(["file", "memory", "aws"]).optional(),
  /** How often a host reads the record of a task a worker runs, for its WebSocket clients. */
  TRACKING_FOLLOW_MS: z.coerce.number().int().min(10).max(60_000).default(200),
} satisfies Record<string, z.ZodType>;

/** What the tracking module reads: its own variables and the shared ones. */
export type TrackingConfig = z.infer<z.ZodObject<typeof trackingConfigShape>> & SharedConfig & Pick<AwsConfig, "S3_ENDPOINT" | "AWS_REGION" | "DYNAMODB_TABLE" | "S3_BUCKET" | "DYNAMODB_ENDPOINT">;

/** What the shape alone cannot say: an ONNX adapter needs its model file named. */
export function trackingConfigProblems(config: TrackingConfig): string[] {
  const problems: string[] = [];
  if (config.DETECTOR === "onnx" && config.DETECTOR_MODEL === "") problems.push("✖ DETECTOR=onnx needs DETECTOR_MODEL, the path of a YOLOX .onnx file\n  → at DETECTOR_MODEL");
  if (config.REID === "onnx" && config.REID_MODEL === "") problems.push("✖ REID=onnx needs REID_MODEL, the path of an OSNet .onnx file\n  → at REID_MODEL");
  if (config.TRACKING_TASK_COMMAND !== "" && taskCommandSchema.safeParse(safeJson(config.TRACKING_TASK_COMMAND)).error) {
    problems.push('✖ TRACKING_TASK_COMMAND must be a JSON array of strings, the program first (["node","/path/to/parallax.js"])\n  → at TRACKING_TASK_COMMAND');
  }
  return problems;
}

const taskCommandSchema = z.array(z.string().min(1)).min(1);

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** TRACKING_TASK_COMMAND as argv; undefined when it is empty (the caller's default). */
export function taskCommandPrefix(config: Pick<TrackingConfig, "TRACKING_TASK_COMMAND">): string[] | undefined {
  return config.TRACKING_TASK_COMMAND === "" ? undefined : taskCommandSchema.parse(safeJson(config.TRACKING_TASK_COMMAND));
}

/** Where this process's processing tasks run: TRACKING_RUNNER, with `auto` following WORKER. */
export function trackingRunner(config: Pick<TrackingConfig, "TRACKING_RUNNER"> & { readonly WORKER: string }): "host" | "queue" {
  if (config.TRACKING_RUNNER !== "auto") return config.TRACKING_RUNNER;
  return config.WORKER === "off" ? "queue" : "host";
}

/** The processing task's options from configuration. */
export function trackingOptions(config: TrackingConfig): TrackingOptions {
  return {
    ...DEFAULT_TRACKING_OPTIONS,
    ...(config.TRACKING_FPS > 0 ? { fps: config.TRACKING_FPS } : {}),
    ...(config.TRACKING_WIDTH > 0 ? { width: config.TRACKING_WIDTH } : {}),
  };
}
