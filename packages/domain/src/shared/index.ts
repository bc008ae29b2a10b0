export * from "./errors.js";
export * from "./seeded-random.js";
