import { ConditionalCheckFailedException, type CreateTableCommandInput, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { Effect } from "effect";
import { Conflict, NotFound, StorageFailure } from "@parallax/domain";
import { VersionConflict, compareQueueOrder, storedExclusiveClaimSchema, storedJobSchema, unclaimed, type ExclusiveClaim, type Job } from "@parallax/domain/jobs";
import type { JobQuery, JobStore } from "@parallax/application/jobs";
import { readStored } from "./stored-documents.js";
import { QUEUE_INDEX, tableDefinition } from "../aws/table.js";

/** Claim items share the table; `#` never occurs in a job id, so the keys cannot collide. */
const claimKey = (pipeline: string) => `exclusive#${pipeline}`;
const pad = (value: number) => String(Math.max(0, Math.round(value))).padStart(15, "0");

/** The table this store expects: the one table of every DynamoDB store (`aws/table.ts`: key `id`, the sparse `queue` GSI). */
export function jobsTableDefinition(tableName: string): CreateTableCommandInput {
  return tableDefinition(tableName);
}

/**
 * Jobs in one DynamoDB table, shared by workers on any number of machines. Every write is a
 * single-item conditional Put (`version = :expected`), exactly the JobStore contract.
 * Pending jobs are indexed by queue order and running jobs by lease expiry in one sparse
 * GSI, so a claim reads a few index items, never the table. The index is eventually
 * consistent: candidates are hints and the conditional write decides.
 */
export class DynamoJobStore implements JobStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client);
  }

  insert(job: Job): Effect.Effect<Job, Conflict | StorageFailure> {
    return this.call(async () => {
      try {
        await this.documents.send(new PutCommand({ TableName: this.table, Item: this.item(job), ConditionExpression: "attribute_not_exists(id)" }));
        return job;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return new Conflict({ message: `Job ${job.id} already exists` });
        throw error;
      }
    }).pipe(Effect.flatMap((result) => (result instanceof Conflict ? Effect.fail(result) : Effect.succeed(result))));
  }

  get(id: string): Effect.Effect<Job, NotFound | StorageFailure> {
    return this.call(() => this.read(id)).pipe(
      Effect.flatMap((job) => (job ? Effect.succeed(job) : Effect.fail(new NotFound({ message: `Job not found: ${id}` })))),
    );
  }

  list(query: JobQuery = {}): Effect.Effect<Job[], StorageFailure> {
    return this.call(async () => {
      let jobs: Job[];
      if (query.status === "pending" || query.status === "running") {
        jobs = await this.queryQueue({ queue: query.status === "pending" ? "ready" : "running" }, Number.MAX_SAFE_INTEGER);
      } else {
        // Terminal jobs are not indexed: a scan (a production table would add a GSI on created_at).
        jobs = [];
        let start: Record<string, unknown> | undefined;
        do {
          const page = await this.documents.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey: start }));
          for (const item of page.Items ?? []) if (item["doc"] !== undefined) jobs.push(this.parseJob(item));
          start = page.LastEvaluatedKey;
        } while (start);
      }
      const matching = jobs.filter((job) => (query.status === undefined || job.status === query.status) && (query.pipeline === undefined || job.pipeline === query.pipeline));
      matching.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
      return query.limit === undefined ? matching : matching.slice(0, query.limit);
    });
  }

  claimCandidates(now: number, limit: number): Effect.Effect<Job[], StorageFailure> {
    return this.call(async () => {
      const expired = await this.queryQueue({ queue: "running", before: `${pad(now)}~\uffff` }, limit);
      const due = await this.queryQueue({ queue: "ready", dueAt: now }, limit);
      return [...expired, ...due].sort(compareQueueOrder);
    });
  }

  replace(next: Job, expectedVersion: number): Effect.Effect<Job, VersionConflict | NotFound | StorageFailure> {
    const conflict = () => new VersionConflict({ message: `Job ${next.id} changed since version ${expectedVersion}`, jobId: next.id });
    return this.call(async (): Promise<Job | VersionConflict | NotFound> => {
      if (next.version !== expectedVersion + 1) return conflict();
      try {
        await this.documents.send(
          new PutCommand({
            TableName: this.table,
            Item: this.item(next),
            ConditionExpression: "#version = :expected",
            ExpressionAttributeNames: { "#version": "version" },
            ExpressionAttributeValues: { ":expected": expectedVersion },
          }),
        );
        return next;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        return (await this.read(next.id)) ? conflict() : new NotFound({ message: `Job not found: ${next.id}` });
      }
    }).pipe(Effect.flatMap((result) => (result instanceof VersionConflict || result instanceof NotFound ? Effect.fail(result) : Effect.succeed(result))));
  }

  getExclusive(pipeline: string): Effect.Effect<ExclusiveClaim, StorageFailure> {
    return this.call(async () => {
      const result = await this.documents.send(new GetCommand({ TableName: this.table, Key: { id: claimKey(pipeline) }, ConsistentRead: true }));
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
          new PutCommand({
            TableName: this.table,
            Item: { id: claimKey(next.pipeline), version: next.version, claim: JSON.stringify(next) },
            ...(expectedVersion === 0
              ? { ConditionExpression: "attribute_not_exists(id)" }
              : { ConditionExpression: "#version = :expected", ExpressionAttributeNames: { "#version": "version" }, ExpressionAttributeValues: { ":expected": expectedVersion } }),
          }),
        );
        return next;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return conflict();
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
    const result = await this.documents.send(new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }));
    return result.Item ? this.parseJob(result.Item) : undefined;
  }

  private parseJob(item: Record<string, unknown>): Job {
    return readStored(storedJobSchema, item["doc"], `item ${String(item["id"])} of table ${this.table}`);
  }

  /** The stored item: the job document plus the attributes the queue index needs. */
  private item(job: Job): Record<string, unknown> {
    const item: Record<string, unknown> = { id: job.id, version: job.version, status: job.status, pipeline: job.pipeline, created_at: job.createdAt, doc: JSON.stringify(job) };
    if (job.status === "pending") {
      item["queue"] = "ready";
      item["run_at"] = job.runAt;
      item["queue_key"] = `${pad(2_000_000_000 - Math.max(-1e9, Math.min(1e9, job.priority)))}_${pad(job.runAt)}_${pad(job.createdAt)}~${job.id}`;
    } else if (job.status === "running" && job.lease) {
      item["queue"] = "running";
      item["queue_key"] = `${pad(job.lease.expiresAt)}~${job.id}`;
    }
    return item;
  }

  private async queryQueue(target: { queue: "ready" | "running"; before?: string; dueAt?: number }, limit: number): Promise<Job[]> {
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
      const result = await this.documents.send(new QueryCommand(input));
      for (const item of result.Items ?? []) jobs.push(this.parseJob(item));
      start = result.LastEvaluatedKey;
      if (!start) break;
    }
    return jobs.slice(0, limit);
  }
}
