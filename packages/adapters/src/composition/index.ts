export * from "./config.js";
export * from "./root.js";
