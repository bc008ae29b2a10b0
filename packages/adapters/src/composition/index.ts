/**
 * The composition root, re-exported by the package root: `loadConfig` (every environment variable
 * in one zod schema) and `createContainer`. Not which adapter serves a port: each capability's
 * `*.module.ts` decides that.
 */
export * from "./config.js";
export * from "./root.js";
