import { z } from "zod";
import type { SharedConfig } from "../shared/shared.config.js";

const positiveMs = z.coerce.number().int().positive();

/** Environment variables of the jobs capability (composed into the one config schema in `composition/`). */
export const jobsConfigShape = {
  /** JSON file of named pipelines and status probes; empty means no pipelines. */
  PIPELINES_FILE: z.string().default(""),
  /** `embedded`: the HTTP host runs jobs itself; `off`: only separate `npm run worker` processes do. */
  WORKER: z.enum(["embedded", "off"]).default("embedded"),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(2),
  /** Names this worker in leases and job history; defaults to host name and pid. */
  WORKER_ID: z.string().default(""),
  /**
   * Overrides STORAGE for jobs and logs (`aws`: DynamoDB). `sqlite`: jobs and exclusivity claims in
   * `<DATA_DIR>/jobs/jobs.sqlite` (WAL; several processes on one machine), logs as files.
   */
  JOBS_STORE: z.enum(["file", "memory", "sqlite", "aws"]).optional(),
  /**
   * JOBS_STORE=sqlite's durability: `normal` (a commit survives the process being killed; a
   * power cut may lose the last ones) or `full` (an fsync per commit: survives a power cut).
   */
  JOBS_SQLITE_SYNCHRONOUS: z.enum(["normal", "full"]).default("normal"),
  JOB_LEASE_MS: positiveMs.default(30_000),
  JOB_HEARTBEAT_MS: positiveMs.default(10_000),
  JOB_POLL_MS: positiveMs.default(500),
  JOB_CANCEL_POLL_MS: positiveMs.default(250),
  JOB_KILL_GRACE_MS: positiveMs.default(5_000),
  /** Lines of a job's own output in its `output[]` (§C); the whole log is at `/api/jobs/{id}/logs`. */
  JOB_OUTPUT_LINES: z.coerce.number().int().min(0).max(100_000).default(1000),
  /** On shutdown, how long running jobs may finish before they are stopped and released. */
  WORKER_DRAIN_MS: z.coerce.number().int().min(0).default(5_000),
  /** CloudWatch namespace of the queue metrics a worker publishes (EMF on stdout); unset: none published. */
  METRICS_NAMESPACE: z.string().optional(),
  /** The metrics' `Application` dimension (infra/terraform sets it to app_name). */
  METRICS_APPLICATION: z.string().min(1).default("parallax"),
  /** Seconds between two publications of the queue metrics. */
  METRICS_INTERVAL_S: z.coerce.number().positive().default(60),
} satisfies Record<string, z.ZodType>;

/** What the jobs module reads: its own variables and the shared ones. */
export type JobsConfig = z.infer<z.ZodObject<typeof jobsConfigShape>> & SharedConfig;
