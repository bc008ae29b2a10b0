export * from "./errors.js";
export * from "./seeded-random.js";
export * from "./json-depth.js";
