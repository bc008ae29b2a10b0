import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { pipelineSchema, type Pipeline } from "@parallax/domain/jobs";
import { taskCommandPrefix, type TrackingConfig } from "./tracking.config.js";

/**
 * The built-in pipeline queued tasks run as (TRACKING_RUNNER=queue): one job per task, whose id
 * is the task's id, running `parallax track-task <task_id>` on whichever worker claims it.
 *
 * What the task computes is the accepting host's choice, so the job carries the host's tracking
 * settings in its environment (paths made absolute: the job runs in the jobs' working directory):
 * the worker then reads the same environments, samples and scales as the host does, and the host's
 * frames route decodes the same frames the worker tracked. DATA_DIR is the host's: on one machine
 * the task store is shared there, as the job store is. No credentials are passed; the worker's own
 * environment (its S3 credentials, DETECT_THREADS, LOG_LEVEL) applies to the rest.
 *
 * One attempt, no restart after a lost worker (`max_stalls: 0`): a task run again would append
 * its results a second time, so a run that ends early ends the task (FAILED with the reason).
 */
export const TRACKING_TASK_PIPELINE = "parallax.tracking-task";

const UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

/** The CLI of this checkout: `packages/adapters/{src,dist}/tracking/` → `apps/worker/bin/parallax.js`. */
const CHECKOUT_CLI = fileURLToPath(new URL("../../../../apps/worker/bin/parallax.js", import.meta.url));

export function trackingTaskPipeline(config: TrackingConfig): Pipeline {
  const prefix = taskCommandPrefix(config) ?? [process.execPath, CHECKOUT_CLI];
  const path = (value: string) => (value === "" ? "" : resolve(value));
  return pipelineSchema.parse({
    name: TRACKING_TASK_PIPELINE,
    description: "A multi-camera processing task (§D) queued by a host, run by a worker",
    command: [...prefix, "track-task", "{task_id}"],
    params: { task_id: { type: "string", pattern: UUID, description: "the processing task's id" } },
    env: nonEmpty({
      DATA_DIR: resolve(config.DATA_DIR),
      ENVIRONMENTS_FILE: path(config.ENVIRONMENTS_FILE),
      DETECTOR: config.DETECTOR,
      DETECTOR_MODEL: path(config.DETECTOR_MODEL),
      REID: config.REID,
      REID_MODEL: path(config.REID_MODEL),
      TRACKING_FPS: String(config.TRACKING_FPS),
      TRACKING_WIDTH: String(config.TRACKING_WIDTH),
      // The worker encodes the pictures the host's sockets receive: as the host would have.
      TRACKING_JPEG_QUALITY: String(config.TRACKING_JPEG_QUALITY),
      TRACKING_JPEG_MAX_WIDTH: String(config.TRACKING_JPEG_MAX_WIDTH),
      S3_ENDPOINT: config.S3_ENDPOINT,
      AWS_REGION: config.AWS_REGION,
      // The task's record and results where the host reads them (STORAGE=aws: the table and the bucket).
      ...((config.TASKS_STORE ?? config.STORAGE) === "aws"
        ? { TASKS_STORE: "aws", DYNAMODB_TABLE: config.DYNAMODB_TABLE, S3_BUCKET: config.S3_BUCKET, DYNAMODB_ENDPOINT: config.DYNAMODB_ENDPOINT }
        : {}),
    }),
    max_attempts: 1,
    max_stalls: 0,
  });
}

/** An empty setting is left out: the worker's own (or the default) applies, and no SDK sees `AWS_REGION=""`. */
function nonEmpty(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
}
