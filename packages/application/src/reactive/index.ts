/**
 * `@parallax/application/reactive`: the reactive-notebook use cases (`ReactiveNotebooks`, one
 * `NotebookSession` per open notebook) and the ports they run on (`Kernel`, `KernelFactory`,
 * `ReactiveAuthenticator`). Pure rules (analysis, the dependency graph) are in
 * `@parallax/domain/reactive`; processes, sockets and files are not here.
 */
export * from "./kernel.port.js";
export * from "./kernel-events.js";
export * from "./reactive-authenticator.port.js";
export * from "./notebook-session.js";
export * from "./reactive-notebooks.js";
export * from "./seed-notebooks.js";
export { runOutputs } from "./record-run.js";
export * from "./language-model.port.js";
export * from "./chat-events.js";
export * from "./assistant-tools.js";
export * from "./notebook-assistant.js";
