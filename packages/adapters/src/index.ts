/**
 * `@parallax/adapters`: the composition root (`loadConfig`, `createContainer`) and the shared
 * pieces (logger, clock, ids, process groups, errno). Not a capability's adapters: import
 * `@parallax/adapters/<capability>`.
 */
export * from "./shared/index.js";
export * from "./composition/index.js";
