import type { CreateTableCommandInput, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient, QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import * as Effect from "effect/Effect";
import { Conflict, LOCAL_USER_ID, NotFound, StorageFailure } from "@parallax/domain";
import { VersionConflict, compareQueueOrder, storedExclusiveClaimSchema, storedJobSchema, unclaimed, type ExclusiveClaim, type Job } from "@parallax/domain/jobs";
import { jobMatchesQuery, newestFirst, ownerOfJob, type JobQuery, type JobStore, type QueueDepth } from "@parallax/application/jobs";
import { readStored } from "./stored-documents.js";
import { collection, listingPages } from "../aws/listing.js";
import { QUEUE_INDEX, TTL_ATTRIBUTE, tableDefinition } from "../aws/table.js";
import { documentSdk, dynamoSdk } from "../aws/dynamodb-sdk.js";
import { JOBS_LIST_KEY, OWNER_LIST_KEY, OwnerListingState, ownerListKey, ownerPartition, type OwnerBackfill } from "./dynamodb-owner-listing.js";

/** Claim items share the table; `#` never occurs in a job id, so the keys cannot collide. */
const claimKey = (pipeline: string) => `exclusive#${pipeline}`;
const pad = (value: number) => String(Math.max(0, Math.round(value))).padStart(15, "0");

/**
 * Pending and running jobs are spread over this many partitions of the `queue` index
 * (`ready#<n>`, `running#<n>`, n from the job id's hash), so no one index partition takes every
 * submit and claim of a busy queue; a claim reads every shard's head, in parallel.
 */
export const QUEUE_SHARDS = 4;
/** Finished jobs are deleted by DynamoDB's TTL this long after they finished. */
export const FINISHED_RETENTION_MS = 30 * 24 * 3600 * 1000;

export interface DynamoJobStoreOptions {
  readonly queueShards?: number;
  readonly retentionMs?: number;
}

/** A job's shard: FNV-1a of its id. */
function shardOf(id: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % shards;
}

/** The table this store expects: the one table of every DynamoDB store (`aws/table.ts`: key `id`, the sparse `queue`, `listing` and `owner_listing` GSIs). */
export function jobsTableDefinition(tableName: string): CreateTableCommandInput {
  return tableDefinition(tableName);
}

/**
 * Jobs in one DynamoDB table, shared by workers on any number of machines. Every write is a
 * single-item conditional Put (`version = :expected`), exactly the JobStore contract.
 * Pending jobs are indexed by queue order and running jobs by lease expiry in one sparse
 * GSI, sharded (`QUEUE_SHARDS`), so a claim reads a few index items, never the table. The index
 * is eventually consistent: candidates are hints and the conditional write decides. Every job
 * is in the listing index too (newest first, the document projected) and in its owner's
 * partition of the `owner_listing` index; finished ones carry `expires_at` (TTL).
 */
export class DynamoJobStore implements JobStore {
  private readonly documents: DynamoDBDocumentClient;
  private readonly ownerListing: OwnerListingState;

  private readonly shards: number;
  private readonly retentionMs: number;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
    options: DynamoJobStoreOptions = {},
  ) {
    this.documents = documentSdk().DynamoDBDocumentClient.from(client);
    this.ownerListing = new OwnerListingState(client, this.documents, table);
    this.shards = Math.max(1, Math.floor(options.queueShards ?? QUEUE_SHARDS));
    this.retentionMs = options.retentionMs ?? FINISHED_RETENTION_MS;
  }

  insert(job: Job): Effect.Effect<Job, Conflict | StorageFailure> {
    return this.call(async () => {
      await this.ownerListing.beforeFirstWrite();
      try {
        await this.documents.send(new (documentSdk().PutCommand)({ TableName: this.table, Item: this.item(job), ConditionExpression: "attribute_not_exists(id)" }));
        return job;
      } catch (error) {
        if (error instanceof dynamoSdk().ConditionalCheckFailedException) return new Conflict({ message: `Job ${job.id} already exists` });
        throw error;
      }
    }).pipe(Effect.flatMap((result) => (result instanceof Conflict ? Effect.fail(result) : Effect.succeed(result))));
  }

  get(id: string): Effect.Effect<Job, NotFound | StorageFailure> {
    return this.call(() => this.read(id)).pipe(
      Effect.flatMap((job) => (job ? Effect.succeed(job) : Effect.fail(new NotFound({ message: `Job not found: ${id}` })))),
    );
  }

  /**
   * Pending or running jobs from the queue index (every shard, all of them: the queue), any other
   * listing from the listing index (`list_key = jobs`, newest first), page after page until
   * `limit` jobs match: never a scan of the table's other items.
   *
   * One owner's listing (`query.owner`) is a Query of their partition of the `owner_listing`
   * index (`jobs#<owner>`; an ownerless job's is LOCAL_USER_ID's): it reads only their jobs.
   * Until every job item carries the key (`OwnerListingState`: the backfill done, or the table
   * found empty), it is the old FilterExpression on the listing index instead, which hides no
   * job written before the index: it keeps items whose document names the owner
   * (`contains(doc, '"owner":"<id>"')`, a superset, the parsed job checked exactly), and DynamoDB
   * still reads (and bills) every job it evaluates; LOCAL_USER_ID's has no filter there (a job
   * without owner is theirs, and "names no owner" is not expressible on the document).
   */
  list(query: JobQuery = {}): Effect.Effect<Job[], StorageFailure> {
    const limit = query.limit === undefined ? Number.POSITIVE_INFINITY : Math.max(0, Math.floor(query.limit));
    return this.call(async () => {
      if (query.status === "pending" || query.status === "running") {
        const queued = await this.queryShards(query.status === "pending" ? "ready" : "running", {}, Number.MAX_SAFE_INTEGER);
        return queued.filter((job) => jobMatchesQuery(job, query)).sort(newestFirst).slice(0, limit);
      }
      const jobs: Job[] = [];
      if (limit === 0) return jobs;
      const { owner } = query;
      const byOwnerIndex = owner !== undefined && (await this.ownerListing.isComplete());
      const partition = byOwnerIndex ? ownerPartition(owner) : collection(JOBS_LIST_KEY);
      const filter =
        owner === undefined || owner === LOCAL_USER_ID || byOwnerIndex ? undefined : { expression: "contains(doc, :owned)", values: { ":owned": `"owner":${JSON.stringify(owner)}` } };
      // Pages from twice the limit: a short listing reads little.
      const pages = listingPages(this.documents, this.table, partition, { newestFirst: true, ...(filter ? { filter } : {}), firstPageSize: Math.min(1000, Math.max(1, limit) * 2) });
      for await (const page of pages) {
        for (const item of page) {
          const job = readStored(storedJobSchema, item["doc"], `listing of ${String(item["id"])} in table ${this.table}`);
          if (jobMatchesQuery(job, query) && jobs.length < limit) jobs.push(job);
        }
        if (jobs.length >= limit) break;
      }
      return jobs.sort(newestFirst);
    });
  }

  /** `parallax backfill-job-owners`: every job item written before the `owner_listing` index gets its key (see `OwnerListingState`). */
  backfillOwnerListing(now: number): Effect.Effect<OwnerBackfill, StorageFailure> {
    return this.call(() => this.ownerListing.backfill(now));
  }

  claimCandidates(now: number, limit: number): Effect.Effect<Job[], StorageFailure> {
    return this.call(async () => {
      const [expired, due] = await Promise.all([this.queryShards("running", { before: `${pad(now)}~\uffff` }, limit), this.queryShards("ready", { dueAt: now }, limit)]);
      return [...expired, ...due].sort(compareQueueOrder);
    });
  }

  /**
   * Every ready shard of the queue index read in parallel, only `run_at` projected and the due
   * ones kept by a filter, each shard to its share of `limit` (and at most 20 pages): bounded
   * whatever the backlog. The index is eventually consistent: a count of a moment ago.
   */
  queueDepth(now: number, limit: number): Effect.Effect<QueueDepth, StorageFailure> {
    return this.call(async () => {
      const share = Math.max(1, Math.ceil(limit / this.shards));
      const shards = await Promise.all(Array.from({ length: this.shards }, (_, shard) => this.dueInShard(`ready#${shard}`, now, share)));
      const runAts = shards.flatMap((shard) => shard.runAts).sort((a, b) => a - b).slice(0, limit);
      return { due: runAts.length, oldestDueAt: runAts[0] ?? null, truncated: shards.some((shard) => shard.truncated) || runAts.length < shards.reduce((sum, shard) => sum + shard.runAts.length, 0) };
    });
  }

  private async dueInShard(queue: string, now: number, limit: number): Promise<{ runAts: number[]; truncated: boolean }> {
    const runAts: number[] = [];
    let start: Record<string, unknown> | undefined;
    for (let page = 0; page < 20; page++) {
      const result = await this.documents.send(
        new (documentSdk().QueryCommand)({
          TableName: this.table,
          IndexName: QUEUE_INDEX,
          KeyConditionExpression: "#queue = :queue",
          FilterExpression: "run_at <= :now",
          ProjectionExpression: "run_at",
          ExpressionAttributeNames: { "#queue": "queue" },
          ExpressionAttributeValues: { ":queue": queue, ":now": now },
          Limit: Math.min(1000, limit - runAts.length + 1),
          ExclusiveStartKey: start,
        }),
      );
      for (const item of result.Items ?? []) if (typeof item["run_at"] === "number") runAts.push(item["run_at"]);
      start = result.LastEvaluatedKey;
      if (runAts.length > limit) return { runAts: runAts.slice(0, limit), truncated: true };
      if (!start) return { runAts, truncated: false };
    }
    return { runAts, truncated: true };
  }

  replace(next: Job, expectedVersion: number): Effect.Effect<Job, VersionConflict | NotFound | StorageFailure> {
    const conflict = () => new VersionConflict({ message: `Job ${next.id} changed since version ${expectedVersion}`, jobId: next.id });
    return this.call(async (): Promise<Job | VersionConflict | NotFound> => {
      if (next.version !== expectedVersion + 1) return conflict();
      try {
        await this.documents.send(
          new (documentSdk().PutCommand)({
            TableName: this.table,
            Item: this.item(next),
            ConditionExpression: "#version = :expected",
            ExpressionAttributeNames: { "#version": "version" },
            ExpressionAttributeValues: { ":expected": expectedVersion },
          }),
        );
        return next;
      } catch (error) {
        if (!(error instanceof dynamoSdk().ConditionalCheckFailedException)) throw error;
        return (await this.read(next.id)) ? conflict() : new NotFound({ message: `Job not found: ${next.id}` });
      }
    }).pipe(Effect.flatMap((result) => (result instanceof VersionConflict || result instanceof NotFound ? Effect.fail(result) : Effect.succeed(result))));
  }

  getExclusive(pipeline: string): Effect.Effect<ExclusiveClaim, StorageFailure> {
    return this.call(async () => {
      const result = await this.documents.send(new (documentSdk().GetCommand)({ TableName: this.table, Key: { id: claimKey(pipeline) }, ConsistentRead: true }));
      return result.Item ? readStored(storedExclusiveClaimSchema, result.Item["claim"], `item ${claimKey(pipeline)} of table ${this.table}`) : unclaimed(pipeline);
    });
  }

  /** One conditional Put on the pipeline's claim item: created if absent, else `version = :expected`. */
  putExclusive(next: ExclusiveClaim, expectedVersion: number): Effect.Effect<ExclusiveClaim, VersionConflict | StorageFailure> {
    const conflict = () => new VersionConflict({ message: `Exclusive claim of ${next.pipeline} changed`, jobId: next.holder ?? "" });
    return this.call(async (): Promise<ExclusiveClaim | VersionConflict> => {
      if (next.version !== expectedVersion + 1) return conflict();
      try {
        await this.documents.send(
          new (documentSdk().PutCommand)({
            TableName: this.table,
            Item: { id: claimKey(next.pipeline), version: next.version, claim: JSON.stringify(next) },
            ...(expectedVersion === 0
              ? { ConditionExpression: "attribute_not_exists(id)" }
              : { ConditionExpression: "#version = :expected", ExpressionAttributeNames: { "#version": "version" }, ExpressionAttributeValues: { ":expected": expectedVersion } }),
          }),
        );
        return next;
      } catch (error) {
        if (error instanceof dynamoSdk().ConditionalCheckFailedException) return conflict();
        throw error;
      }
    }).pipe(Effect.flatMap((result) => (result instanceof VersionConflict ? Effect.fail(result) : Effect.succeed(result))));
  }

  private call<A>(body: () => Promise<A>): Effect.Effect<A, StorageFailure> {
    return Effect.tryPromise({
      try: body,
      catch: (cause) => (cause instanceof StorageFailure ? cause : new StorageFailure({ message: `DynamoDB job store: ${(cause as Error).message}`, cause })),
    });
  }

  private async read(id: string): Promise<Job | undefined> {
    const result = await this.documents.send(new (documentSdk().GetCommand)({ TableName: this.table, Key: { id }, ConsistentRead: true }));
    return result.Item ? this.parseJob(result.Item) : undefined;
  }

  private parseJob(item: Record<string, unknown>): Job {
    return readStored(storedJobSchema, item["doc"], `item ${String(item["id"])} of table ${this.table}`);
  }

  /**
   * The stored item: the job document, the attributes the queue index needs (pending and running
   * jobs only, in the job's shard), the listing indexes' (every job newest first, and by owner)
   * and, once the job is finished, `expires_at` for DynamoDB's TTL.
   */
  private item(job: Job): Record<string, unknown> {
    const doc = JSON.stringify(job);
    const item: Record<string, unknown> = {
      id: job.id,
      version: job.version,
      status: job.status,
      pipeline: job.pipeline,
      created_at: job.createdAt,
      doc,
      list_key: JOBS_LIST_KEY,
      list_sort: `${pad(job.createdAt)}~${job.id}`,
      [OWNER_LIST_KEY]: ownerListKey(ownerOfJob(job)),
    };
    const shard = shardOf(job.id, this.shards);
    if (job.status === "pending") {
      item["queue"] = `ready#${shard}`;
      item["run_at"] = job.runAt;
      item["queue_key"] = `${pad(2_000_000_000 - Math.max(-1e9, Math.min(1e9, job.priority)))}_${pad(job.runAt)}_${pad(job.createdAt)}~${job.id}`;
    } else if (job.status === "running" && job.lease) {
      item["queue"] = `running#${shard}`;
      item["queue_key"] = `${pad(job.lease.expiresAt)}~${job.id}`;
    } else if (job.status === "completed" || job.status === "failed" || job.status === "cancelled") {
      item[TTL_ATTRIBUTE] = Math.ceil(((job.completedAt ?? job.updatedAt) + this.retentionMs) / 1000);
    }
    return item;
  }

  /** Every shard of a queue, read in parallel; each shard's first `limit` in index order, merged. */
  private async queryShards(queue: "ready" | "running", target: { before?: string; dueAt?: number }, limit: number): Promise<Job[]> {
    const shards = await Promise.all(Array.from({ length: this.shards }, (_, shard) => this.queryQueue({ queue: `${queue}#${shard}`, ...target }, limit)));
    const merged = shards.flat();
    merged.sort(queue === "ready" ? compareQueueOrder : (a, b) => (a.lease?.expiresAt ?? 0) - (b.lease?.expiresAt ?? 0));
    return merged.slice(0, limit);
  }

  private async queryQueue(target: { queue: string; before?: string; dueAt?: number }, limit: number): Promise<Job[]> {
    const jobs: Job[] = [];
    let start: Record<string, unknown> | undefined;
    for (let page = 0; page < 20 && jobs.length < limit; page++) {
      const input: QueryCommandInput = {
        TableName: this.table,
        IndexName: QUEUE_INDEX,
        KeyConditionExpression: target.before === undefined ? "#queue = :queue" : "#queue = :queue AND queue_key < :before",
        ExpressionAttributeNames: { "#queue": "queue" },
        ExpressionAttributeValues: { ":queue": target.queue, ...(target.before === undefined ? {} : { ":before": target.before }) },
        Limit: Math.min(1000, Math.max(limit, 1) * 4),
        ExclusiveStartKey: start,
      };
      if (target.dueAt !== undefined) {
        input.FilterExpression = "run_at <= :now";
        input.ExpressionAttributeValues = { ...input.ExpressionAttributeValues, ":now": target.dueAt };
      }
      const result = await this.documents.send(new (documentSdk().QueryCommand)(input));
      for (const item of result.Items ?? []) jobs.push(this.parseJob(item));
      start = result.LastEvaluatedKey;
      if (!start) break;
    }
    return jobs.slice(0, limit);
  }
}
