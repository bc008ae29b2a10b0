export * from "./system-clock.js";
export * from "./random-id-generator.js";
export * from "./logger.js";
export * from "./process-group.js";
export * from "./errno.js";
