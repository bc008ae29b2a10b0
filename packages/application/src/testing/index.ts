/**
 * `@parallax/application/testing`: what unit tests of use cases need and production never
 * does — a strict fake for any port, a clock that stands still, predictable ids, a stream's
 * elements recorded from the moment it is subscribed. It is
 * resolved through the `source` condition (vitest, the tests' typecheck) and left out of
 * `dist`.
 */
export * from "./strict-fake.js";
export * from "./fixed-clock.js";
export * from "./sequential-ids.js";
export * from "./record-stream.js";
export * from "./test-clock.js";
