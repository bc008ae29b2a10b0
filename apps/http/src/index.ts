export * from "./host/host.js";
export * from "./host/host-module.js";
export * from "./host/errors.js";
export * from "./host/modules.js";
export { composeHost, startHost, type ComposeOptions, type StartOptions } from "./start.js";
