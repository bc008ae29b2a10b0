import { z } from "zod";

const endpoint = z.union([z.literal(""), z.url({ protocol: /^https?$/ })]).default("");

/**
 * Environment variables of the AWS stores (STORAGE=aws, or a per-store override naming aws),
 * composed into the one config schema in `composition/`. Credentials are never configured here:
 * the SDK's default chain finds them (environment, ECS task role, SSO, shared files).
 */
export const awsConfigShape = {
  /** The one DynamoDB table of notebooks, jobs, job logs and tracking tasks (key design: aws/README.md). */
  DYNAMODB_TABLE: z.string().default(""),
  /** The one S3 bucket of large notebook bodies, results and videos. */
  S3_BUCKET: z.string().default(""),
  /** A DynamoDB-compatible endpoint (DynamoDB Local, LocalStack, dynalite); empty: AWS. */
  DYNAMODB_ENDPOINT: endpoint,
  /** An S3-compatible endpoint (MinIO, LocalStack, s3rver) for the bucket and `s3://` videos; empty: AWS. */
  S3_ENDPOINT: endpoint,
  /** The region; empty: the SDK's own chain (its config file), us-east-1 with an endpoint set. */
  AWS_REGION: z.string().default(""),
  /** Create the table and the bucket when missing (development only: production's come from infra/terraform). */
  CREATE_TABLES: z.union([z.boolean(), z.stringbool()]).default(false),
} satisfies Record<string, z.ZodType>;

export type AwsConfig = z.infer<z.ZodObject<typeof awsConfigShape>>;

/** What the shape alone cannot say: a store on AWS needs its table and bucket named. */
export function awsConfigProblems(config: AwsConfig, usesAws: boolean): string[] {
  if (!usesAws) return [];
  const problems: string[] = [];
  if (config.DYNAMODB_TABLE === "") problems.push("✖ STORAGE=aws needs DYNAMODB_TABLE, the table's name\n  → at DYNAMODB_TABLE");
  if (config.S3_BUCKET === "") problems.push("✖ STORAGE=aws needs S3_BUCKET, the bucket's name\n  → at S3_BUCKET");
  return problems;
}
