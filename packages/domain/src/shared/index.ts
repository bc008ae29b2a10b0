/**
 * The shared part of the domain, re-exported by the package root: tagged errors, `jsonDepthExceeds`, owners (`LOCAL_USER_ID`, `mayAccess`),
 * `mulberry32`. Not capability errors (each capability declares its own) nor the mapping of tags to
 * HTTP statuses (the host's).
 */
export * from "./errors.js";
export * from "./seeded-random.js";
export * from "./json-depth.js";
export * from "./owner.js";
