import type { JobView } from "@parallax/domain/jobs";

/**
 * §C's closing messages on the jobs' sockets: `complete`, or `error` for a job that did not
 * complete. The annotation UI reads `job_id` and, on `error`, `message` at the top level
 * (it logged "undefined" without them); `job` and `error` are the contract's first shape.
 */
export function endMessage(jobId: string, view: JobView): Record<string, unknown> {
  if (view.status === "completed") return { type: "complete", job_id: jobId, job: view };
  const error = view.error ?? view.status;
  return { type: "error", job_id: jobId, job: view, error, message: error };
}
