/**
 * `@parallax/adapters/jobs`: the jobs ports' adapters (memory, files, DynamoDB, child
 * processes, the workspace) and `jobsModule`, which binds them. Not here: use cases (in
 * `@parallax/application/jobs`) or tokens (the application's classes and port symbols are).
 * Test kits (`*.testkit.ts`) are not exported.
 */
export * from "./jobs.module.js";
export * from "./jobs.config.js";
export * from "./memory-job.store.js";
export * from "./memory-log.store.js";
export * from "./file-job.store.js";
export * from "./file-log.store.js";
export * from "./child-process.runner.js";
export * from "./process-lines.js";
export * from "./file-workspace.js";
export * from "./pipelines-file.js";
export * from "./dynamodb-job.store.js";
export * from "./dynamodb-log.store.js";
export * from "./sqlite-job.store.js";
export * from "./sqlite-jobs-database.js";
export * from "./sqlite-log.store.js";
export * from "./sqlite-migration.js";
