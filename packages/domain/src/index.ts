/**
 * `@parallax/domain`: the vocabulary every capability shares (tagged errors, the JSON depth
 * check, a seeded PRNG). Not the capabilities themselves: import `@parallax/domain/<capability>`
 * (notebook, reactive, jobs, tracking). Pure: no I/O, no clock, no wiring.
 */
export * from "./shared/index.js";
