/** Wall-clock time, injected so that use cases and tests are deterministic. */
export interface Clock {
  now(): Date;
}
export const Clock = Symbol.for("parallax.Clock");
