/**
 * `TaskStore` for STORAGE=aws: each processing task's record in the one DynamoDB table
 * (`id = task#<task_id>`, the §D status payload as JSON in `record`, listed newest first through
 * the `listing` index: `list_key = tasks`, `list_sort = start_time#task_id`), each camera's frame
 * size beside it in the same item (`frame_sizes`, set by its own update so a record put never
 * erases it), and the results in the `BlobStore` (S3): one gzip JSON-lines object per append,
 * `tasks/<task_id>/results/<first global_frame_index, 10 digits>.jsonl.gz`, so keys sort in
 * frame order. A `tracking_update` may carry every camera's picture (~1.6 MB), more than an item
 * holds; S3 takes any size.
 *
 * A reader that resumes (a host following a worker's task) lists only the keys after the last
 * one it read (`StartAfter`), as the file store reads only the bytes appended since.
 */
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as Effect from "effect/Effect";
import { z } from "zod";
import { NotFound, StorageFailure } from "@parallax/domain";
import type { BlobStore } from "@parallax/application";
import type { FrameSize, ResultRange, TaskRecord, TaskStore, TrackingUpdate } from "@parallax/application/tracking";
import { listingItems } from "../aws/listing.js";
import { readItem, readJsonAttribute } from "../aws/stored-item.js";
import { frameSizesSchema, taskRecordSchema, trackingUpdateSchema } from "./tracking-payload.schema.js";
import { documentSdk } from "../aws/dynamodb-sdk.js";
import { RecentMap } from "../shared/recent-map.js";

const LIST_KEY = "tasks";
const itemId = (taskId: string) => `task#${taskId}`;
const resultsPrefix = (taskId: string) => `tasks/${taskId}/results/`;
const resultsKey = (taskId: string, first: number) => `${resultsPrefix(taskId)}${String(first).padStart(10, "0")}.jsonl.gz`;
const firstOf = (key: string) => Number(/(\d+)\.jsonl\.gz$/.exec(key)?.[1] ?? Number.NaN);

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** A task item as stored (zod object: an owner is one more field). */
const taskItemSchema = z.object({ id: z.string(), record: z.string().optional(), frame_sizes: z.string().optional() });
const listedSchema = z.object({ summary: z.string() });
const TASKS_CURSORS = 64;

interface Cursor {
  /** The last results key read, and the `global_frame_index` after its last update. */
  readonly key: string;
  readonly next: number;
}

export class DynamoTaskStore implements TaskStore {
  private readonly cursors = new RecentMap<string, Cursor>(TASKS_CURSORS);

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly blobs: BlobStore,
  ) {}

  put(record: TaskRecord): Effect.Effect<void, StorageFailure> {
    return this.call(`put task ${record.task_id}`, async () => {
      const json = JSON.stringify(record);
      await this.documents.send(
        new (documentSdk().UpdateCommand)({
          TableName: this.table,
          Key: { id: itemId(record.task_id) },
          UpdateExpression: "SET #record = :record, summary = :record, list_key = :list, list_sort = :sort, version = :version",
          ExpressionAttributeNames: { "#record": "record" },
          ExpressionAttributeValues: { ":record": json, ":list": LIST_KEY, ":sort": `${record.start_time}#${record.task_id}`, ":version": record.last_update_time },
        }),
      );
    });
  }

  get(taskId: string): Effect.Effect<TaskRecord, NotFound | StorageFailure> {
    return Effect.flatMap(this.item(taskId), (item): Effect.Effect<TaskRecord, NotFound | StorageFailure> => {
      if (!item?.record) return Effect.fail(new NotFound({ message: "Processing task not found." }));
      return this.call(`read task ${taskId}`, async () => readJsonAttribute(taskRecordSchema, item.record, `record of ${item.id} in ${this.table}`));
    });
  }

  get list(): Effect.Effect<readonly TaskRecord[], StorageFailure> {
    return this.call("list tasks", async () => {
      const records = (await listingItems(this.documents, this.table, LIST_KEY, { newestFirst: true })).map((raw) =>
        readJsonAttribute(taskRecordSchema, readItem(listedSchema, raw, `task listing item in ${this.table}`).summary, `task summary in ${this.table}`),
      );
      return records.sort((a, b) => b.start_time.localeCompare(a.start_time));
    });
  }

  append(taskId: string, updates: readonly TrackingUpdate[]): Effect.Effect<void, StorageFailure> {
    if (updates.length === 0) return Effect.void;
    return Effect.flatMap(
      this.call(`compress results of ${taskId}`, () => gzipAsync(updates.map((update) => `${JSON.stringify(update)}\n`).join(""))),
      (body) => this.blobs.put(resultsKey(taskId, updates[0]!.global_frame_index), body, { contentType: "application/gzip" }),
    );
  }

  results(taskId: string, range: ResultRange): Effect.Effect<readonly TrackingUpdate[], NotFound | StorageFailure> {
    return Effect.gen({ self: this }, function* () {
      yield* this.get(taskId);
      const from = range.from ?? 0;
      const to = range.to ?? Infinity;
      const cursor = this.cursors.get(taskId);
      const resume = cursor !== undefined && from >= cursor.next ? cursor : undefined;
      const keys = yield* this.blobs.list(resultsPrefix(taskId), resume ? { after: resume.key } : {});
      const out: TrackingUpdate[] = [];
      let next = resume?.next ?? 0;
      for (const [i, key] of keys.entries()) {
        // A chunk ends where the next begins: skip those wholly before `from`, stop past `to`.
        const following = keys[i + 1];
        if (following !== undefined && firstOf(following) <= from) continue;
        if (firstOf(key) >= to) break;
        const body = yield* this.blobs.get(key).pipe(Effect.catchTag("NotFound", () => Effect.fail(new StorageFailure({ message: `task ${taskId}: results ${key} vanished` }))));
        const text = (yield* this.call(`read ${key}`, () => gunzipAsync(body))).toString("utf8");
        for (const line of text.split("\n")) {
          if (line === "") continue;
          const update = yield* this.call(`read ${key}`, async () => readJsonAttribute(trackingUpdateSchema, line, `results ${key} of task ${taskId}`));
          next = update.global_frame_index + 1;
          if (update.global_frame_index >= from && update.global_frame_index < to) out.push(update);
        }
      }
      const last = keys.at(-1);
      if (last !== undefined && (range.to === undefined || firstOf(last) < to)) {
        this.cursors.remember(taskId, { key: last, next });
      }
      return out;
    });
  }

  putFrameSizes(taskId: string, sizes: Readonly<Record<string, FrameSize>>): Effect.Effect<void, StorageFailure> {
    return this.call(`write frame sizes of ${taskId}`, async () => {
      await this.documents.send(
        new (documentSdk().UpdateCommand)({ TableName: this.table, Key: { id: itemId(taskId) }, UpdateExpression: "SET frame_sizes = :sizes", ExpressionAttributeValues: { ":sizes": JSON.stringify(sizes) } }),
      );
    });
  }

  frameSizes(taskId: string): Effect.Effect<Readonly<Record<string, FrameSize>>, NotFound | StorageFailure> {
    return Effect.flatMap(this.item(taskId), (item): Effect.Effect<Readonly<Record<string, FrameSize>>, NotFound | StorageFailure> => {
      if (!item?.record) return Effect.fail(new NotFound({ message: "Processing task not found." }));
      if (item.frame_sizes === undefined) return Effect.succeed({});
      return this.call(`read frame sizes of ${taskId}`, async () => readJsonAttribute(frameSizesSchema, item.frame_sizes, `frame sizes of ${item.id} in ${this.table}`));
    });
  }

  private item(taskId: string): Effect.Effect<z.infer<typeof taskItemSchema> | undefined, StorageFailure> {
    return this.call(`read task ${taskId}`, async () => {
      const result = await this.documents.send(new (documentSdk().GetCommand)({ TableName: this.table, Key: { id: itemId(taskId) }, ConsistentRead: true }));
      return result.Item ? readItem(taskItemSchema, result.Item, `item ${itemId(taskId)} of ${this.table}`) : undefined;
    });
  }

  private call<A>(what: string, body: () => Promise<A>): Effect.Effect<A, StorageFailure> {
    return Effect.tryPromise({
      try: body,
      catch: (cause) => (cause instanceof StorageFailure ? cause : new StorageFailure({ message: `DynamoDB task store: cannot ${what}: ${(cause as Error).message}`, cause })),
    });
  }
}
