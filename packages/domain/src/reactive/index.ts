export * from "./analysis.js";
export * from "./dependency-graph.js";
export * from "./reactive-cell.js";
export * from "./cell-outputs.js";
export * from "./reactive-nbformat.js";
export { JAVASCRIPT_GLOBALS, PYTHON_BUILTINS } from "./builtins.js";
export { parseMagics, type Magic, type MagicCell } from "./python-magics.js";
export { executableCell, type ExecutableCell } from "./python-magics-exec.js";
export { sqlPlaceholders } from "./sql-analysis.js";
