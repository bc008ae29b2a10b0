/**
 * The `owner_listing` index's state in one table. Items written before the index existed lack
 * `owner_list_key`, so a listing by owner may only use the index once every job item carries it:
 * a meta item records that (`parallax backfill-job-owners` writes it after adding the attribute to
 * every job item lacking it; a process finding the table without any job, the index ACTIVE,
 * writes it at once). Until then the job store lists by owner through the old filter on the
 * `listing` index, which hides no job.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { StorageFailure } from "@parallax/domain";
import { storedJobSchema } from "@parallax/domain/jobs";
import { ownerOfJob } from "@parallax/application/jobs";
import { collection, listingPages, type ListingPartition } from "../aws/listing.js";
import { OWNER_LISTING_INDEX } from "../aws/table.js";
import { documentSdk, dynamoSdk } from "../aws/dynamodb-sdk.js";
import { readItem } from "../aws/stored-item.js";
import { readStored } from "./stored-documents.js";

export const JOBS_LIST_KEY = "jobs";
export const OWNER_LIST_KEY = "owner_list_key";
/** An ownerless job's key is LOCAL_USER_ID's (`ownerOfJob`), so the local user's listing is one partition too. */
export const ownerListKey = (owner: string): string => `${JOBS_LIST_KEY}#${owner}`;
export const ownerPartition = (owner: string): ListingPartition => ({ index: OWNER_LISTING_INDEX, hashKey: OWNER_LIST_KEY, value: ownerListKey(owner) });

/** `#` never occurs in a job id, so the meta item is never taken for a job. */
const META_ID = "meta#owner_listing";
const metaSchema = z.object({ id: z.literal(META_ID), recorded_at: z.number(), reason: z.enum(["backfilled", "empty table"]) });
/** Updates in flight at once during a backfill: a page's worth without a burst DynamoDB throttles. */
const BACKFILL_CONCURRENCY = 16;

export interface OwnerBackfill {
  /** Job items read from the `listing` index. */
  readonly jobs: number;
  /** Those that lacked `owner_list_key` and got it. */
  readonly updated: number;
}

export class OwnerListingState {
  private complete = false;
  private firstCheck: Promise<void> | undefined;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly documents: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * Whether every job item carries `owner_list_key`. Once true it stays true (cached); while false
   * each call reads the record again, so a backfill finishing is seen by running processes.
   */
  async isComplete(): Promise<boolean> {
    if (this.complete) return true;
    if (!this.firstCheck) {
      await this.checkFirst();
      return this.complete;
    }
    await this.firstCheck;
    return this.complete || this.readRecord();
  }

  /**
   * Before this process's first write of a job: a table that holds none yet (created by Terraform
   * or CREATE_TABLES) is recorded complete, since every job this version writes carries the key.
   */
  async beforeFirstWrite(): Promise<void> {
    if (!this.complete) await this.checkFirst();
  }

  /** The first check, once per process; a failed one (DynamoDB unreachable) is tried again by the next call. */
  private checkFirst(): Promise<void> {
    return (this.firstCheck ??= this.recordIfEmpty().catch((error: unknown) => {
      this.firstCheck = undefined;
      throw error;
    }));
  }

  /**
   * Adds `owner_list_key` to every job item lacking it (a Query over the `listing` index, then one
   * conditional update per item: never a transaction, never a recreated item the TTL deleted), and
   * records completion. Idempotent: run again, it updates only what an older process wrote since.
   * Refused until the index is ACTIVE: the record sends listings to it.
   */
  async backfill(now: number): Promise<OwnerBackfill> {
    const status = await this.indexStatus();
    if (status !== "ACTIVE") throw new StorageFailure({ message: `Index ${OWNER_LISTING_INDEX} of table ${this.table} is ${status ?? "missing"}: apply infra/terraform and wait until it is ACTIVE` });
    let jobs = 0;
    let updated = 0;
    for await (const page of listingPages(this.documents, this.table, collection(JOBS_LIST_KEY))) {
      jobs += page.length;
      for (let start = 0; start < page.length; start += BACKFILL_CONCURRENCY) {
        const added = await Promise.all(page.slice(start, start + BACKFILL_CONCURRENCY).map((item) => this.addKey(item)));
        updated += added.filter(Boolean).length;
      }
    }
    await this.record("backfilled", now);
    this.complete = true;
    return { jobs, updated };
  }

  private async recordIfEmpty(): Promise<void> {
    if ((await this.readRecord()) || !(await this.holdsNoJob()) || (await this.indexStatus()) !== "ACTIVE") return;
    await this.record("empty table", Date.now());
    this.complete = true;
  }

  private async readRecord(): Promise<boolean> {
    const result = await this.documents.send(new (documentSdk().GetCommand)({ TableName: this.table, Key: { id: META_ID }, ConsistentRead: true }));
    if (result.Item) readItem(metaSchema, result.Item, `item ${META_ID} of table ${this.table}`);
    return (this.complete = result.Item !== undefined);
  }

  private async indexStatus(): Promise<string | undefined> {
    const described = await this.client.send(new (dynamoSdk().DescribeTableCommand)({ TableName: this.table }));
    return described.Table?.GlobalSecondaryIndexes?.find((index) => index.IndexName === OWNER_LISTING_INDEX)?.IndexStatus;
  }

  private async addKey(item: Record<string, unknown>): Promise<boolean> {
    const job = readStored(storedJobSchema, item["doc"], `listing of ${String(item["id"])} in table ${this.table}`);
    try {
      await this.documents.send(
        new (documentSdk().UpdateCommand)({
          TableName: this.table,
          Key: { id: job.id },
          UpdateExpression: "SET #key = :key",
          // A job's owner never changes, so a key already there (a newer write's) is the same one.
          ConditionExpression: "attribute_exists(id) AND attribute_not_exists(#key)",
          ExpressionAttributeNames: { "#key": OWNER_LIST_KEY },
          ExpressionAttributeValues: { ":key": ownerListKey(ownerOfJob(job)) },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof dynamoSdk().ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async holdsNoJob(): Promise<boolean> {
    const pages = listingPages(this.documents, this.table, collection(JOBS_LIST_KEY), { firstPageSize: 1 });
    const first = await pages.next();
    await pages.return(undefined);
    return first.done === true || first.value.length === 0;
  }

  private async record(reason: z.infer<typeof metaSchema>["reason"], now: number): Promise<void> {
    await this.documents.send(new (documentSdk().PutCommand)({ TableName: this.table, Item: { id: META_ID, recorded_at: now, reason } }));
  }
}
