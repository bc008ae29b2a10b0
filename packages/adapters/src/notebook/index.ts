/**
 * `@parallax/adapters/notebook`: the `NotebookStore` adapters (file, memory), the notebook
 * configuration and `notebookModule`. Not the executors that run notebooks (adapters/reactive)
 * nor test kits (never exported). See README.md.
 */
export * from "./notebook.module.js";
export * from "./notebook.config.js";
export * from "./memory-notebook.store.js";
export * from "./file-notebook.store.js";
export * from "./dynamodb-notebook.store.js";
