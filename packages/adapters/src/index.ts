export * from "./shared/index.js";
export * from "./composition/index.js";
