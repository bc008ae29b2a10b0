export * from "./tracking.module.js";
export * from "./tracking.config.js";
