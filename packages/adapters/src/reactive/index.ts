export * from "./reactive.module.js";
export * from "./reactive.config.js";
