export * from "./job.js";
export * from "./backoff.js";
export * from "./errors.js";
export * from "./transitions.js";
export * from "./pipeline.js";
export * from "./job-view.js";
export * from "./follow-ups.js";
export * from "./exclusive.js";
