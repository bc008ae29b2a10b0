/**
 * `@parallax/adapters/reactive`: the technologies behind the reactive ports — python3 and
 * sandboxed JavaScript kernels (a Node process per notebook), DuckDB/PostgreSQL SQL, output limits, the executors that
 * run whole notebooks for §A — and their container module. No use case lives here
 * (`@parallax/application/reactive`), nor any route (apps/http).
 */
export * from "./reactive.module.js";
export * from "./reactive.config.js";
export * from "./notebook-kernel.js";
export * from "./output-limits.js";
export * from "./python/python-process.js";
export * from "./python/python-notebook-reexecutor.js";
export * from "./python/python-notebook-executor.js";
export * from "./python/python-probe.js";
export * from "./javascript/javascript-kernel.js";
export * from "./javascript/javascript-rewrite.js";
export * from "./sql/sql-kernel.js";
export * from "./sql/sql-placeholders.js";
