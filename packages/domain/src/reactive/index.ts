export * from "./analysis.js";
export * from "./dependency-graph.js";
export * from "./reactive-cell.js";
export * from "./cell-outputs.js";
export * from "./reactive-nbformat.js";
export { JAVASCRIPT_GLOBALS, PYTHON_BUILTINS } from "./builtins.js";
export { sqlPlaceholders } from "./sql-analysis.js";
