/**
 * `NotebookStore` on the one DynamoDB table, bodies too large for an item in a `BlobStore` (S3).
 * One item per notebook, `id = notebook#<name>`: a `version` token checked by a single-item
 * conditional Put (optimistic locking: a stale version is the same `Conflict` the file store
 * gives), the nbformat bytes gzip-compressed in `body`, or, when they would pass ~300 KB, in the
 * blob store under a key that names the version (`notebooks/<name>/<version>.ipynb.gz`) with the
 * item pointing at it (`body_key`). The body is written before the pointer moves and the old
 * body deleted after, so a reader always finds the body its item names (a reader that raced a
 * delete reads the item again). The sparse `listing` index (`list_key = notebooks`, sorted by
 * name) carries each notebook's summary, so a listing never reads a body.
 *
 * Not here: what a notebook is (domain), the table's creation (aws/table.ts). The index is
 * eventually consistent on DynamoDB: a listing may miss a notebook written milliseconds ago.
 */
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as Effect from "effect/Effect";
import { z } from "zod";
import { Conflict, NotFound, StorageFailure } from "@parallax/domain";
import { serializeNotebook, type JsonObject, type Notebook } from "@parallax/domain/notebook";
import type { BlobStore } from "@parallax/application";
import type { NotebookStore, NotebookSummary, StoredBytes, StoredNotebook } from "@parallax/application/notebook";
import { listingItems } from "../aws/listing.js";
import { readItem, readJsonAttribute } from "../aws/stored-item.js";
import { parseStored } from "./stored-notebook.js";
import { documentSdk, dynamoSdk } from "../aws/dynamodb-sdk.js";

/** Bodies (gzip) above this go to the blob store: an item holds at most 400 KB, summary and attributes included. */
export const INLINE_BODY_BYTES = 300 * 1024;
const LIST_KEY = "notebooks";
const itemId = (name: string) => `notebook#${name}`;
/** Names are sanitised by the domain but may hold spaces and unicode: the key encodes them. */
const bodyKey = (name: string, version: string) => `notebooks/${encodeURIComponent(name)}/${version}.ipynb.gz`;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

const bodyAttributes = {
  version: z.string().min(1),
  body: z.instanceof(Uint8Array).optional(),
  body_key: z.string().min(1).optional(),
};
/** A notebook item as stored (zod object: an owner is one more field). */
const notebookItemSchema = z.object({ id: z.string(), name: z.string().min(1), summary: z.string().optional(), ...bodyAttributes });
const summarySchema = z.object({ metadata: z.record(z.string(), z.json()) });
const listedSchema = z.object({ id: z.string(), summary: z.string() });

type NotebookItem = z.infer<typeof notebookItemSchema>;

export class DynamoNotebookStore implements NotebookStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly bodies: BlobStore,
    private readonly options: { readonly inlineBodyBytes?: number } = {},
  ) {}

  list(): Effect.Effect<readonly string[], StorageFailure> {
    return Effect.map(this.listSummaries(), (summaries) => summaries.map((summary) => summary.name));
  }

  listSummaries(): Effect.Effect<readonly NotebookSummary[], StorageFailure> {
    return this.call(async () => {
      const summaries: NotebookSummary[] = [];
      for (const raw of await listingItems(this.documents, this.table, LIST_KEY)) {
        const listed = readItem(listedSchema, raw, `notebook listing item in ${this.table}`);
        const summary = readJsonAttribute(summarySchema, listed.summary, `summary of ${listed.id} in ${this.table}`);
        summaries.push({ name: listed.id.slice(itemId("").length), metadata: summary.metadata as JsonObject });
      }
      // The index sorts by UTF-8 bytes; the port promises the file store's order (UTF-16 code units).
      return summaries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    });
  }

  get(name: string): Effect.Effect<StoredNotebook, NotFound | StorageFailure> {
    return Effect.flatMap(this.readCurrent(name), ({ bytes, version }) => Effect.map(parseStored(bytes, `${name} (${this.table})`), (notebook) => ({ name, notebook, version })));
  }

  readBytes(name: string): Effect.Effect<StoredBytes, NotFound | StorageFailure> {
    return Effect.flatMap(this.readCurrent(name), ({ bytes, version, summary }) =>
      // The item's own summary: the listing index's copy may lag behind it.
      Effect.try({
        try: () => ({ bytes, version, metadata: summary === undefined ? {} : (readJsonAttribute(summarySchema, summary, `summary of ${itemId(name)} in ${this.table}`).metadata as JsonObject) }),
        catch: (error) => (error instanceof StorageFailure ? error : new StorageFailure({ message: `${itemId(name)} in ${this.table}: ${(error as Error).message}`, cause: error })),
      }),
    );
  }

  put(name: string, notebook: Notebook, expectedVersion?: string | null): Effect.Effect<StoredNotebook, Conflict | StorageFailure> {
    return Effect.gen({ self: this }, function* () {
      const version = randomUUID();
      const bytes = serializeNotebook(notebook);
      const summary = JSON.stringify({ metadata: notebook.metadata });
      const compressed = yield* this.call(() => gzipAsync(bytes));
      const offload = compressed.byteLength + summary.length > (this.options.inlineBodyBytes ?? INLINE_BODY_BYTES);
      const key = offload ? bodyKey(name, version) : undefined;
      // The body first: the pointer never names a body that is not there.
      if (key) yield* this.bodies.put(key, compressed, { contentType: "application/gzip" });
      const item = { id: itemId(name), name, version, list_key: LIST_KEY, list_sort: name, summary, updated_at: Date.now(), ...(key ? { body_key: key } : { body: compressed }) };
      const written = yield* this.call(async () => {
        try {
          const result = await this.documents.send(
            new (documentSdk().PutCommand)({
              TableName: this.table,
              Item: item,
              ReturnValues: "ALL_OLD",
              ...(expectedVersion === null
                ? { ConditionExpression: "attribute_not_exists(id)" }
                : typeof expectedVersion === "string"
                  ? { ConditionExpression: "version = :expected", ExpressionAttributeValues: { ":expected": expectedVersion } }
                  : {}),
            }),
          );
          return { old: result.Attributes ? readItem(notebookItemSchema, result.Attributes, `item ${itemId(name)} of ${this.table}`) : undefined };
        } catch (error) {
          if (error instanceof dynamoSdk().ConditionalCheckFailedException) return new Conflict({ message: expectedVersion === null ? `Notebook ${name} already exists` : `Notebook ${name} changed since it was read` });
          throw error;
        }
      });
      if (written instanceof Conflict) {
        // The pointer never moved to it: nobody will read it.
        if (key) yield* Effect.ignore(this.bodies.delete(key));
        return yield* Effect.fail(written);
      }
      // The pointer moved: the old body is no one's now (a reader holding the old item reads again).
      if (written.old?.body_key && written.old.body_key !== key) yield* Effect.ignore(this.bodies.delete(written.old.body_key));
      return { name, notebook, version };
    });
  }

  delete(name: string): Effect.Effect<void, NotFound | StorageFailure> {
    return Effect.gen({ self: this }, function* () {
      const removed = yield* this.call(async () => {
        try {
          const result = await this.documents.send(new (documentSdk().DeleteCommand)({ TableName: this.table, Key: { id: itemId(name) }, ConditionExpression: "attribute_exists(id)", ReturnValues: "ALL_OLD" }));
          return result.Attributes ? readItem(notebookItemSchema, result.Attributes, `item ${itemId(name)} of ${this.table}`) : undefined;
        } catch (error) {
          if (error instanceof dynamoSdk().ConditionalCheckFailedException) return new NotFound({ message: "Notebook not found" });
          throw error;
        }
      });
      if (removed instanceof NotFound) return yield* Effect.fail(removed);
      if (removed?.body_key) yield* Effect.ignore(this.bodies.delete(removed.body_key));
    });
  }

  /** The current item's body; a body deleted under us (the pointer moved meanwhile) means: read the item again. */
  private readCurrent(name: string, attempts = 5): Effect.Effect<{ bytes: Uint8Array; version: string; summary: string | undefined }, NotFound | StorageFailure> {
    return Effect.gen({ self: this }, function* () {
      const item = yield* this.readItem(name);
      if (!item) return yield* Effect.fail(new NotFound({ message: "Notebook not found" }));
      let compressed: Uint8Array;
      if (item.body) compressed = item.body;
      else if (item.body_key) {
        const body = yield* Effect.result(this.bodies.get(item.body_key));
        if (body._tag === "Failure") {
          if (body.failure._tag === "NotFound" && attempts > 1) return yield* this.readCurrent(name, attempts - 1);
          return yield* Effect.fail(body.failure._tag === "NotFound" ? new StorageFailure({ message: `Notebook ${name}: its body ${item.body_key} is missing` }) : body.failure);
        }
        compressed = body.success;
      } else return yield* Effect.fail(new StorageFailure({ message: `Notebook ${name}: item ${item.id} of ${this.table} has no body` }));
      const bytes = yield* this.call(() => gunzipAsync(compressed));
      return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), version: item.version, summary: item.summary };
    });
  }

  private readItem(name: string): Effect.Effect<NotebookItem | undefined, StorageFailure> {
    return this.call(async () => {
      const result = await this.documents.send(new (documentSdk().GetCommand)({ TableName: this.table, Key: { id: itemId(name) }, ConsistentRead: true }));
      return result.Item ? readItem(notebookItemSchema, result.Item, `item ${itemId(name)} of ${this.table}`) : undefined;
    });
  }

  private call<A>(body: () => Promise<A>): Effect.Effect<A, StorageFailure> {
    return Effect.tryPromise({
      try: body,
      catch: (cause) => (cause instanceof StorageFailure ? cause : new StorageFailure({ message: `DynamoDB notebook store: ${(cause as Error).message}`, cause })),
    });
  }
}
