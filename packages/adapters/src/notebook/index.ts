export * from "./notebook.module.js";
export * from "./notebook.config.js";
export * from "./memory-notebook.store.js";
export * from "./file-notebook.store.js";
