/**
 * `@parallax/domain/jobs`: the job record and its state machine, the pipelines file, backoff,
 * follow-up ids, exclusive claims and §C's job view, all pure. Not queueing, leases in time,
 * processes or stores (`@parallax/application/jobs` and its adapters). See README.md.
 */
export * from "./job.js";
export * from "./backoff.js";
export * from "./errors.js";
export * from "./transitions.js";
export * from "./pipeline.js";
export * from "./job-view.js";
export * from "./follow-ups.js";
export * from "./exclusive.js";
export * from "./job-input.js";
export * from "./probe.js";
export * from "./chain.js";
export * from "./stored-job.schema.js";
