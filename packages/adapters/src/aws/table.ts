import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

/** The sparse GSI of the job queue (pending jobs by shard and order, running jobs by lease expiry). */
export const QUEUE_INDEX = "queue";
/** The sparse GSI of listings: `list_key` names a collection (`notebooks`, `tasks`, `jobs`), `list_sort` orders it; it projects `summary` (notebooks, tasks) and `doc` (jobs), never a notebook's body. */
export const LISTING_INDEX = "listing";
/**
 * The sparse GSI of one owner's jobs: `owner_list_key = jobs#<owner>` (an ownerless job's owner is
 * LOCAL_USER_ID), ordered by the listing's `list_sort`, so one user's listing reads only their
 * jobs. It projects what a job listing reads (`doc`, `version`).
 */
export const OWNER_LISTING_INDEX = "owner_listing";

/**
 * The one table of every DynamoDB store (key design in aws/README.md): hash key `id` only (each
 * store prefixes its ids, so kinds never collide), and three sparse GSIs. infra/terraform/data.tf
 * creates the same table (tests/infra checks that the two agree); CREATE_TABLES creates it here.
 */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "id", AttributeType: "S" },
      { AttributeName: "queue", AttributeType: "S" },
      { AttributeName: "queue_key", AttributeType: "S" },
      { AttributeName: "list_key", AttributeType: "S" },
      { AttributeName: "list_sort", AttributeType: "S" },
      { AttributeName: "owner_list_key", AttributeType: "S" },
    ],
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    GlobalSecondaryIndexes: [
      {
        IndexName: QUEUE_INDEX,
        KeySchema: [
          { AttributeName: "queue", KeyType: "HASH" },
          { AttributeName: "queue_key", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
      {
        IndexName: LISTING_INDEX,
        KeySchema: [
          { AttributeName: "list_key", KeyType: "HASH" },
          { AttributeName: "list_sort", KeyType: "RANGE" },
        ],
        // A listing reads summaries, never bodies (a notebook item holds up to ~300 KB of body).
        Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["summary", "version", "doc"] },
      },
      {
        IndexName: OWNER_LISTING_INDEX,
        KeySchema: [
          { AttributeName: "owner_list_key", KeyType: "HASH" },
          { AttributeName: "list_sort", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["version", "doc"] },
      },
    ],
  };
}

/** The attribute DynamoDB's TTL deletes items by (finished jobs, their logs); infra/terraform's `dynamodb_ttl_attribute`. */
export const TTL_ATTRIBUTE = "expires_at";
