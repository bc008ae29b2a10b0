export * from "./analysis.js";
export * from "./dependency-graph.js";
export * from "./reactive-cell.js";
