/**
 * `@parallax/adapters/aws`: the AWS clients of a container (`AwsClients`), the one table's
 * definition (`tableDefinition`), readiness and creation (`AwsStoreReadiness`, CREATE_TABLES),
 * the S3 `BlobStore` and the AWS configuration. The stores themselves live in their capability's
 * folder (`notebook/dynamodb-notebook.store.ts`, `jobs/dynamodb-job.store.ts`, ...). See README.md.
 */
export * from "./aws.config.js";
export * from "./aws-clients.js";
export * from "./aws-readiness.js";
export * from "./s3-blob.store.js";
export * from "./table.js";
