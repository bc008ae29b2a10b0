/**
 * `@parallax/application`: the ports and helpers every capability's use cases share (`Clock`,
 * `IdGenerator`, `runAsPromise`). Not the use cases: import `@parallax/application/<capability>`.
 */
export * from "./shared/index.js";
