import type { Job, JobStatus } from "./job.js";

/** The §C job shape (snake_case, ISO times) plus Parallax's additions after `error`. */
export interface JobView {
  job_id: string;
  name: string;
  command: string[];
  status: JobStatus;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  exit_code: number | null;
  output: string[];
  error: string | null;
  pipeline: string;
  params: Record<string, string | number | boolean>;
  priority: number;
  attempt: number;
  max_attempts: number;
  runs: number;
  run_at: string;
  cancel_requested: boolean;
  worker: string | null;
  history: Array<{ at: string; kind: string; attempt: number; worker?: string; reason?: string }>;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function toJobView(job: Job, output: readonly string[] = []): JobView {
  return {
    job_id: job.id,
    name: job.pipeline,
    command: [...job.command],
    status: job.status,
    created_at: iso(job.createdAt)!,
    started_at: iso(job.startedAt),
    completed_at: iso(job.completedAt),
    exit_code: job.exitCode,
    output: [...output],
    error: job.error,
    pipeline: job.pipeline,
    params: { ...job.params },
    priority: job.priority,
    attempt: job.attempt,
    max_attempts: job.maxAttempts,
    runs: job.runs,
    run_at: iso(job.runAt)!,
    cancel_requested: job.cancelRequested,
    worker: job.lease?.owner ?? null,
    history: job.history.map((event) => ({ ...event, at: iso(event.at)! })),
  };
}
