/**
 * `npm run bench -- stores [ops]`: per-operation latency (p50, p95, ms, `ops` calls one after
 * another) and throughput (ops/s, `ops` calls 8 at a time) of each store port on its aws adapter
 * (dynalite in process + s3rver in a child process, both on 127.0.0.1) beside its file adapter
 * (a temporary directory) and, for reference, memory. Then the log store's choice: a log chunk
 * (20 lines, ~2 KB) appended as a DynamoDB conditional Put vs an S3 PutObject, and read back by a
 * follower as a GetItem vs a ListObjectsV2 + GetObject.
 *
 * dynalite and s3rver are not DynamoDB and S3: their figures compare code paths on one machine
 * (round trips, serialisation, compression), not the services' latency. The machine is shared:
 * every line carries the load average.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { Effect } from "effect";
import type { BlobStore } from "@parallax/application";
import type { JobStore, LogStore } from "@parallax/application/jobs";
import type { NotebookStore } from "@parallax/application/notebook";
import type { TaskStore, TrackingUpdate } from "@parallax/application/tracking";
import { claim, createJob, type Job } from "@parallax/domain/jobs";
import type { Notebook } from "@parallax/domain/notebook";
import { S3BlobStore } from "@parallax/adapters/aws";
import { DynamoJobStore, DynamoLogStore, FileJobStore, FileLogStore, MemoryJobStore, MemoryLogStore } from "@parallax/adapters/jobs";
import { DynamoNotebookStore, FileNotebookStore, MemoryNotebookStore } from "@parallax/adapters/notebook";
import { DynamoTaskStore, FileTaskStore } from "@parallax/adapters/tracking";
import { startAwsServices } from "../packages/adapters/src/aws/aws-services.testkit.js";
import { emit, loadAverages, percentile, round } from "./support.js";

const CONCURRENCY = 8;
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);

/** Latency of `ops` calls in sequence, then throughput of `ops` more, 8 in flight. */
async function measure(op: (i: number) => Promise<unknown>, ops: number): Promise<Record<string, number>> {
  const times: number[] = [];
  for (let i = 0; i < ops; i++) {
    const started = performance.now();
    await op(i);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  let next = ops;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < 2 * ops) await op(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { p50_ms: round(percentile(times, 50), 2), p95_ms: round(percentile(times, 95), 2), ops_per_s: round(ops / seconds, 1) };
}

const notebook = (bytes: number, k: number): Notebook => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { k },
  cells: [{ id: "c", cell_type: "code", metadata: {}, source: `x = ${k}\n# ${"lorem ipsum dolor ".repeat(Math.ceil(bytes / 18))}`.slice(0, bytes), execution_count: null, outputs: [] }],
});
const entry = (i: number) => ({ stream: "stdout" as const, timestamp: "2026-01-01T00:00:00.000Z", message: `epoch ${i} loss=${(1 / (i + 1)).toFixed(6)} acc=0.93 step ${i * 100}` });
const update = (i: number): TrackingUpdate => ({
  frame_index: i, global_frame_index: i, scene_id: "bench", timestamp_processed_utc: "2026-01-01T00:00:00.000Z",
  cameras: { c1: { image_source: `${String(i).padStart(6, "0")}.jpg`, tracks: [{ track_id: 1, bbox_xyxy: [1, 2, 3, 4], class_id: 1 }] } },
});

interface Stores {
  notebooks: NotebookStore;
  jobs: JobStore;
  logs: LogStore;
  tasks?: TaskStore;
  blobs?: BlobStore;
}

async function benchStores(adapter: string, stores: Stores, ops: number): Promise<void> {
  const line = (store: string, operation: string, figures: Record<string, number>) => emit("stores", { store, adapter, operation, ops, ...figures, loadavg: loadAverages() });
  // Notebooks: a 10 KB put and get, a 1 MB put (its gzip body in S3 on aws when it passes 300 KB; text compresses well, so it stays inline) and get.
  const small = notebook(10 * 1024, 1);
  line("notebook", "put 10 KB", await measure((i) => run(stores.notebooks.put(`n${i % 50}.ipynb`, small)), ops));
  line("notebook", "get 10 KB", await measure((i) => run(stores.notebooks.get(`n${i % 50}.ipynb`)), ops));
  let state = 12_345;
  const random = Buffer.from(Array.from({ length: 700_000 }, () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) >>> 16) & 255)).toString("base64");
  const big: Notebook = { ...small, cells: [{ ...small.cells[0]!, source: random } as Notebook["cells"][number]] };
  const bigOps = Math.max(4, Math.floor(ops / 10));
  line("notebook", "put ~1 MB (incompressible; S3 on aws)", await measure((i) => run(stores.notebooks.put(`big${i % 5}.ipynb`, big)), bigOps));
  line("notebook", "get ~1 MB", await measure((i) => run(stores.notebooks.get(`big${i % 5}.ipynb`)), bigOps));
  line("notebook", "list summaries (55 notebooks)", await measure(() => run(stores.notebooks.listSummaries()), Math.max(4, Math.floor(ops / 5))));

  // Jobs: insert, get, a claim (conditional replace), claim candidates.
  const now = Date.now();
  const inserted: Job[] = [];
  line("job", "insert", await measure(async (i) => inserted.push(await run(stores.jobs.insert(createJob({ id: `${adapter}-job-${i}`, pipeline: "p", command: ["true"] }, now)))), ops));
  line("job", "get", await measure((i) => run(stores.jobs.get(`${adapter}-job-${i % ops}`)), ops));
  line("job", "claim (conditional replace)", await measure(async (i) => {
    const job = inserted[i]!;
    const claimed = claim(job, { owner: "bench", token: `t${i}`, now, leaseMs: 60_000 });
    if (claimed._tag === "Success") await run(stores.jobs.replace(claimed.success, job.version));
  }, ops));
  line("job", "claim candidates (10)", await measure(() => run(stores.jobs.claimCandidates(now, 10)), Math.max(4, Math.floor(ops / 5))));

  // Logs: appending 20 lines, reading 100 from an offset.
  line("log", "append 20 lines", await measure((i) => run(stores.logs.append(`log-${i % 10}`, Array.from({ length: 20 }, (_, j) => entry(i * 20 + j)))), ops));
  line("log", "read 100 lines", await measure((i) => run(stores.logs.read(`log-${i % 10}`, (i * 37) % 200, 100)), ops));

  if (stores.tasks) {
    const tasks = stores.tasks;
    await run(tasks.put({ task_id: "bench", status: "PROCESSING", progress: 0, current_step: "", details: "", start_time: "2026-01-01T00:00:00.000Z", last_update_time: "2026-01-01T00:00:00.000Z", environment_id: "bench", total_sub_video_batches: 1, completed_sub_video_batches: 0, total_frames_estimate: 0, processed_frames_count: 0 }));
    line("task", "put record", await measure((i) => run(tasks.put({ task_id: `t${i % 20}`, status: "PROCESSING", progress: i / ops, current_step: "", details: "", start_time: "2026-01-01T00:00:00.000Z", last_update_time: new Date(i).toISOString(), environment_id: "bench", total_sub_video_batches: 1, completed_sub_video_batches: 0, total_frames_estimate: 0, processed_frames_count: i })), ops));
    let frame = 0;
    line("task", "append 10 updates", await measure(async () => {
      const first = frame;
      frame += 10;
      await run(tasks.append("bench", Array.from({ length: 10 }, (_, j) => update(first + j))));
    }, Math.max(4, Math.floor(ops / 2))));
    line("task", "results: resume from the end", await measure(() => run(tasks.results("bench", { from: frame })), Math.max(4, Math.floor(ops / 2))));
  }
  if (stores.blobs) {
    const blobs = stores.blobs;
    const body = new Uint8Array(100 * 1024).map((_, i) => i % 251);
    line("blob", "put 100 KB", await measure((i) => run(blobs.put(`bench/b${i % 20}`, body)), ops));
    line("blob", "get 100 KB", await measure((i) => run(blobs.get(`bench/b${i % 20}`)), ops));
    line("blob", "ranged get 4 KB", await measure((i) => run(blobs.get(`bench/b${i % 20}`, { start: 4096, end: 8191 })), ops));
  }
}

export async function main(args: string[]): Promise<void> {
  const ops = Number(args[0] ?? 100);
  const services = await startAwsServices();
  const dir = mkdtempSync(join(tmpdir(), "parallax-bench-stores-"));
  try {
    const clients = await services.clients();
    const blobs = new S3BlobStore(clients);
    await benchStores("aws (dynalite + s3rver)", {
      notebooks: new DynamoNotebookStore(clients.documents, clients.table, blobs),
      jobs: new DynamoJobStore(clients.dynamo, clients.table),
      logs: new DynamoLogStore(clients.documents, clients.table),
      tasks: new DynamoTaskStore(clients.documents, clients.table, blobs),
      blobs,
    }, ops);
    await benchStores("file", {
      notebooks: new FileNotebookStore(join(dir, "notebooks")),
      jobs: new FileJobStore(join(dir, "jobs")),
      logs: new FileLogStore(join(dir, "logs")),
      tasks: new FileTaskStore(join(dir, "tasks")),
    }, ops);
    await benchStores("memory", { notebooks: new MemoryNotebookStore(), jobs: new MemoryJobStore(), logs: new MemoryLogStore() }, ops);

    // The log store's choice: one ~2 KB chunk of 20 lines, created once, read back by a follower.
    const chunk = await promisify(gzip)(JSON.stringify(Array.from({ length: 20 }, (_, j) => entry(j))));
    const raw = Buffer.from(JSON.stringify(Array.from({ length: 20 }, (_, j) => entry(j))));
    const s3 = await clients.s3();
    const choice = (operation: string, figures: Record<string, number>) => emit("stores: log chunk, dynamodb vs s3", { operation, ops, chunk_bytes: raw.length, ...figures, loadavg: loadAverages() });
    choice("dynamodb conditional Put (attribute_not_exists)", await measure((i) => clients.documents.send(new PutCommand({ TableName: clients.table, Item: { id: `choice#${i}`, lines: chunk }, ConditionExpression: "attribute_not_exists(id)" })), ops));
    choice("s3 PutObject", await measure((i) => s3.send(new PutObjectCommand({ Bucket: clients.bucket, Key: `choice/${String(i).padStart(10, "0")}`, Body: raw })), ops));
    choice("dynamodb GetItem (follower's next chunk)", await measure((i) => clients.documents.send(new GetCommand({ TableName: clients.table, Key: { id: `choice#${i % ops}` }, ConsistentRead: true })), ops));
    choice("s3 ListObjectsV2 (StartAfter) + GetObject (follower's next chunk)", await measure(async (i) => {
      const key = `choice/${String(i % ops).padStart(10, "0")}`;
      await s3.send(new ListObjectsV2Command({ Bucket: clients.bucket, Prefix: "choice/", StartAfter: key, MaxKeys: 1 }));
      await (await s3.send(new GetObjectCommand({ Bucket: clients.bucket, Key: key }))).Body!.transformToByteArray();
    }, ops));
  } finally {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
