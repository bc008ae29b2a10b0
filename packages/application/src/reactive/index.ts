export * from "./kernel.port.js";
export * from "./kernel-events.js";
export * from "./reactive-authenticator.port.js";
export * from "./notebook-session.js";
export * from "./reactive-notebooks.js";
export * from "./seed-notebooks.js";
export { runOutputs } from "./record-run.js";
