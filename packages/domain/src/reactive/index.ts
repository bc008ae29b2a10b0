export * from "./analysis.js";
export * from "./dependency-graph.js";
