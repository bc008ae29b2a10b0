/**
 * `LogStore` on the one DynamoDB table: a job's log is a run of immutable chunks,
 * `id = log#<job>#<chunk index, 10 digits>`, each created once by a conditional Put
 * (`attribute_not_exists(id)`) holding `first_offset`, `line_count` and the lines (gzip JSON,
 * parsed with zod on read). Offsets are stable forever: a chunk never changes once written, and
 * two appenders (a worker and the zombie of one whose lease expired) never share a chunk index:
 * the loser reads the winner's chunk and appends after it. A head item `log#<job>` keeps a hint
 * of the chunk count (raised by a conditional update, never lowered) so a reader new to a job
 * starts near its end; it is only a hint, chunks after it are found by probing.
 *
 * Why DynamoDB, not S3 (measured by `npm run bench -- stores`): an append is a small conditional
 * create, which S3-compatible services do not all offer (s3rver and older MinIO ignore
 * If-None-Match); measured on dynalite and s3rver (bench `stores`, a 2 KB chunk, two runs at
 * load ~10 on 2 cores) a conditional Put took 0.7–2.0 ms p50 against 3.1–5.6 ms for a PutObject,
 * and a follower's next chunk 0.5–0.7 ms (GetItem) against 6.7–7.4 ms (ListObjectsV2 + GetObject). On AWS, a chunk of a few KB
 * costs a few write units, where every S3 PUT is a request priced ~4× a write unit.
 *
 * Followers on any host see new lines at their next read (the JobFeed polls): live following
 * across hosts needs nothing else. Not here: TTL of finished jobs' logs (see aws/README.md).
 */
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import type { BatchGetCommandOutput, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as Effect from "effect/Effect";
import { z } from "zod";
import { StorageFailure } from "@parallax/domain";
import type { LogEntry, LogLine, LogPage, LogStore } from "@parallax/application/jobs";
import { readItem, readJsonAttribute } from "../aws/stored-item.js";
import { documentSdk, dynamoSdk } from "../aws/dynamodb-sdk.js";
import { RecentMap } from "../shared/recent-map.js";

/** A chunk's lines as JSON stay under this (an item holds 400 KB; a line is at most 64 Ki characters). */
const CHUNK_BYTES = 300 * 1024;
const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

const headId = (jobId: string) => `log#${jobId}`;
const chunkId = (jobId: string, index: number) => `log#${jobId}#${String(index).padStart(10, "0")}`;

const chunkMetaSchema = z.object({ id: z.string(), first_offset: z.number().int().min(0), line_count: z.number().int().min(1) });
const chunkSchema = chunkMetaSchema.extend({ lines: z.instanceof(Uint8Array) });
const entriesSchema = z.array(z.object({ stream: z.enum(["stdout", "stderr", "system"]), timestamp: z.string(), message: z.string() }));
const headSchema = z.object({ chunks: z.number().int().min(0) });

interface ChunkMeta {
  readonly first: number;
  readonly count: number;
}

export class DynamoLogStore implements LogStore {
  /** Chunk offsets per job, learned once (chunks are immutable); the oldest jobs forgotten past `maxJobs`. */
  private readonly known: RecentMap<string, ChunkMeta[]>;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly options: { readonly chunkBytes?: number; readonly maxJobs?: number } = {},
  ) {
    this.known = new RecentMap(options.maxJobs ?? 1024);
  }

  append(jobId: string, entries: readonly LogEntry[]): Effect.Effect<LogLine[], StorageFailure> {
    return this.call(async () => {
      const added: LogLine[] = [];
      let rest = [...entries];
      while (rest.length > 0) {
        const chunks = await this.chunks(jobId);
        const index = chunks.length;
        const first = end(chunks);
        const batch = this.fitting(rest);
        const lines = await gzipAsync(JSON.stringify(batch));
        try {
          await this.documents.send(
            new (documentSdk().PutCommand)({
              TableName: this.table,
              Item: { id: chunkId(jobId, index), job_id: jobId, first_offset: first, line_count: batch.length, lines },
              ConditionExpression: "attribute_not_exists(id)",
            }),
          );
        } catch (error) {
          // Another appender took this index: learn its chunk (the next `chunks` probes it) and go again.
          if (error instanceof dynamoSdk().ConditionalCheckFailedException) continue;
          throw error;
        }
        // A concurrent read of this store may have probed it in already: each index is learned once.
        if (chunks.length === index) chunks.push({ first, count: batch.length });
        added.push(...batch.map((entry, index) => ({ ...entry, offset: first + index })));
        rest = rest.slice(batch.length);
      }
      if (entries.length > 0) await this.raiseHint(jobId, (this.known.get(jobId) ?? []).length);
      return added;
    });
  }

  read(jobId: string, fromOffset: number, limit: number): Effect.Effect<LogPage, StorageFailure> {
    return this.call(async () => {
      const chunks = await this.chunks(jobId);
      const total = end(chunks);
      const start = Math.min(Math.max(0, fromOffset), total);
      const lines: LogLine[] = [];
      let index = chunkAt(chunks, start);
      while (lines.length < limit && index < chunks.length) {
        const meta = chunks[index]!;
        const entries = await this.chunkLines(jobId, index);
        for (let i = Math.max(0, start + lines.length - meta.first); i < entries.length && lines.length < limit; i++) lines.push({ ...entries[i]!, offset: meta.first + i });
        index++;
      }
      return { lines, nextOffset: start + lines.length };
    });
  }

  size(jobId: string): Effect.Effect<number, StorageFailure> {
    return this.call(async () => end(await this.chunks(jobId)));
  }

  /** The job's chunks up to the current end: the known ones (else those the hint names), then a probe past them. */
  private async chunks(jobId: string): Promise<ChunkMeta[]> {
    let chunks = this.known.get(jobId);
    if (!chunks) {
      chunks = await this.loadUpTo(jobId, await this.hint(jobId));
      this.known.remember(jobId, chunks);
    }
    for (;;) {
      const index = chunks.length;
      const next = await this.documents.send(
        new (documentSdk().GetCommand)({ TableName: this.table, Key: { id: chunkId(jobId, index) }, ConsistentRead: true, ProjectionExpression: "id, first_offset, line_count" }),
      );
      if (!next.Item) return chunks;
      const meta = readItem(chunkMetaSchema, next.Item, `log chunk ${chunkId(jobId, index)} of ${this.table}`);
      // Concurrent calls probe the same index: each index is learned once.
      if (chunks.length === index) chunks.push({ first: meta.first_offset, count: meta.line_count });
    }
  }

  /** Chunks 0..count-1's offsets, 100 keys a BatchGet. */
  private async loadUpTo(jobId: string, count: number): Promise<ChunkMeta[]> {
    const metas = new Map<string, ChunkMeta>();
    for (let from = 0; from < count; from += 100) {
      let keys: Record<string, unknown>[] | undefined = Array.from({ length: Math.min(100, count - from) }, (_, i) => ({ id: chunkId(jobId, from + i) }));
      while (keys && keys.length > 0) {
        const result: BatchGetCommandOutput = await this.documents.send(
          new (documentSdk().BatchGetCommand)({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true, ProjectionExpression: "id, first_offset, line_count" } } }),
        );
        for (const raw of result.Responses?.[this.table] ?? []) {
          const meta = readItem(chunkMetaSchema, raw, `log chunk of ${jobId} in ${this.table}`);
          metas.set(meta.id, { first: meta.first_offset, count: meta.line_count });
        }
        keys = result.UnprocessedKeys?.[this.table]?.Keys;
      }
    }
    const chunks: ChunkMeta[] = [];
    for (let index = 0; index < count; index++) {
      const meta = metas.get(chunkId(jobId, index));
      if (!meta) break;
      chunks.push(meta);
    }
    return chunks;
  }

  private async chunkLines(jobId: string, index: number): Promise<LogEntry[]> {
    const result = await this.documents.send(new (documentSdk().GetCommand)({ TableName: this.table, Key: { id: chunkId(jobId, index) }, ConsistentRead: true }));
    const chunk = readItem(chunkSchema, result.Item, `log chunk ${chunkId(jobId, index)} of ${this.table}`);
    return readJsonAttribute(entriesSchema, (await gunzipAsync(chunk.lines)).toString("utf8"), `lines of log chunk ${chunkId(jobId, index)}`);
  }

  private async hint(jobId: string): Promise<number> {
    const result = await this.documents.send(new (documentSdk().GetCommand)({ TableName: this.table, Key: { id: headId(jobId) }, ConsistentRead: true }));
    return result.Item ? readItem(headSchema, result.Item, `log head ${headId(jobId)} of ${this.table}`).chunks : 0;
  }

  private async raiseHint(jobId: string, chunks: number): Promise<void> {
    try {
      await this.documents.send(
        new (documentSdk().UpdateCommand)({
          TableName: this.table,
          Key: { id: headId(jobId) },
          UpdateExpression: "SET chunks = :n",
          ConditionExpression: "attribute_not_exists(chunks) OR chunks < :n",
          ExpressionAttributeValues: { ":n": chunks },
        }),
      );
    } catch (error) {
      if (!(error instanceof dynamoSdk().ConditionalCheckFailedException)) throw error;
    }
  }

  /** The longest prefix of `entries` whose JSON fits a chunk (at least one entry). */
  private fitting(entries: readonly LogEntry[]): LogEntry[] {
    const limit = this.options.chunkBytes ?? CHUNK_BYTES;
    let bytes = 2;
    let count = 0;
    for (const entry of entries) {
      const size = Buffer.byteLength(JSON.stringify(entry)) + 1;
      if (count > 0 && bytes + size > limit) break;
      bytes += size;
      count++;
    }
    return entries.slice(0, count);
  }

  private call<A>(body: () => Promise<A>): Effect.Effect<A, StorageFailure> {
    return Effect.tryPromise({
      try: body,
      catch: (cause) => (cause instanceof StorageFailure ? cause : new StorageFailure({ message: `DynamoDB log store: ${(cause as Error).message}`, cause })),
    });
  }
}

const end = (chunks: readonly ChunkMeta[]) => (chunks.length === 0 ? 0 : chunks.at(-1)!.first + chunks.at(-1)!.count);

/** The index of the chunk holding `offset` (binary search; `chunks.length` at the end). */
function chunkAt(chunks: readonly ChunkMeta[], offset: number): number {
  let low = 0;
  let high = chunks.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (chunks[middle]!.first + chunks[middle]!.count <= offset) low = middle + 1;
    else high = middle;
  }
  return low;
}
