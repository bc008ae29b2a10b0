/**
 * Shared adapter pieces, re-exported by the package root: `SystemClock`, `TimeOrderedIdGenerator`, the
 * pino logger and its `Log` token, process groups, errno helpers. Not atomic files or file locks,
 * which the stores import by path.
 */
export * from "./system-clock.js";
export * from "./time-ordered-id-generator.js";
export * from "./logger.js";
export * from "./process-group.js";
export * from "./errno.js";
