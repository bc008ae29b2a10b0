/**
 * `@parallax/domain/reactive`: what reactive cells read and write, the dependency graph between
 * them, run plans, and the reactive view of a stored nbformat document. Not sessions, kernels or
 * storage (`@parallax/application/reactive` and its adapters). See README.md for the file map.
 */
export * from "./analysis.js";
export * from "./dependency-graph.js";
export * from "./reactive-cell.js";
export * from "./cell-outputs.js";
export * from "./reactive-nbformat.js";
export { JAVASCRIPT_GLOBALS, PYTHON_BUILTINS } from "./builtins.js";
export { parseMagics, type Magic, type MagicCell } from "./python-magics.js";
export { executableCell, type ExecutableCell } from "./python-magics-exec.js";
export { sqlPlaceholders } from "./sql-analysis.js";
