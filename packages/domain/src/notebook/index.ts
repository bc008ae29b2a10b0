export * from "./nbformat.types.js";
