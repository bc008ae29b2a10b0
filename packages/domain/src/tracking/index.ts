export * from "./random.js";
export * from "./geometry.js";
export * from "./lapjv.js";
export * from "./mot-format.js";
export * from "./mot-sequence.js";
export * from "./mot-metrics.js";
export * from "./hota.js";
export * from "./mot-evaluation.js";
