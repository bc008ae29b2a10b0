/**
 * `@parallax/application/notebook`: the spatial-notebook use cases (`SpatialNotebooks`,
 * `updateNotebook`) and their ports (`NotebookStore`, `NotebookExecutor`, `NotebookReexecutor`).
 * Not the stores or kernels (adapters) nor the §A routes (apps/http). See README.md.
 */
export * from "./notebook-store.port.js";
export * from "./update-notebook.js";
export * from "./notebook-reexecutor.port.js";
export * from "./notebook-executor.port.js";
export * from "./spatial-notebooks.js";
