/**
 * `@parallax/application/jobs`: the jobs capability's ports, use cases and background
 * processes, as Effect programs over ports (see README.md for the file → role table).
 * Not here: any adapter (stores, process runner, workspace are in `@parallax/adapters/jobs`),
 * any wiring (`jobs.module.ts` there) and anything that runs an effect (the apps do, and
 * the workers' `start()`/`stop()` through the Promise facade).
 */
export * from "./ports/job-store.port.js";
export * from "./ports/log-store.port.js";
export * from "./ports/process-runner.port.js";
export * from "./ports/workspace.port.js";
export * from "./ports/annotation-store.port.js";
export * from "./job-query.js";
export * from "./pipeline-catalog.js";
export * from "./modify-job.js";
export * from "./exclusive-claim.js";
export * from "./wakeup.js";
export * from "./use-cases/get-job.js";
export * from "./use-cases/submit-job.js";
export * from "./use-cases/cancel-job.js";
export * from "./use-cases/retry-job.js";
export * from "./use-cases/read-job-log.js";
export * from "./use-cases/pipeline-jobs.js";
export * from "./use-cases/job-chain.js";
export * from "./use-cases/status-report.js";
export * from "./feed/job-changes.js";
export * from "./feed/job-feed.js";
export * from "./metrics/queue-metrics.js";
export * from "./feed/follow-job-logs.js";
export * from "./worker/claim-next-job.js";
export * from "./worker/queue-follow-ups.js";
export * from "./worker/run-claimed-job/run-claimed-job.js";
export * from "./worker/run-claimed-job/run-outcome.js";
export * from "./worker/job-worker.js";
