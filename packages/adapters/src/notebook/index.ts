export * from "./notebook.module.js";
export * from "./notebook.config.js";
