/**
 * `@parallax/domain/notebook`: the nbformat document model and the pure rules on it (validation,
 * reading uploads, names, spatial placement, charts and outputs). Not storage, bytes or execution:
 * those are `@parallax/application/notebook` and its adapters. See README.md for the file map.
 */
export * from "./nbformat.types.js";
export * from "./nbformat.schema.js";
export * from "./validate.js";
export * from "./legacy.js";
export * from "./upgrade.js";
export * from "./read-notebook.js";
export * from "./notebook-name.js";
export * from "./notebook-owner.js";
export * from "./spatial.js";
export * from "./chart-extraction.js";
export * from "./output-extraction.js";
export * from "./chart-generation.js";
export * from "./stored-notebook.js";
export * from "./notebook-json.js";
