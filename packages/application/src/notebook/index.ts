export * from "./notebook-store.port.js";
export * from "./update-notebook.js";
