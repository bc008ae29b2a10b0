export * from "./jobs.module.js";
export * from "./jobs.config.js";
