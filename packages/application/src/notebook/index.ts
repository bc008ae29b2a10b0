export * from "./notebook-store.port.js";
export * from "./update-notebook.js";
export * from "./notebook-reexecutor.port.js";
export * from "./notebook-executor.port.js";
export * from "./spatial-notebooks.js";
