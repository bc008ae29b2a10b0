import { Effect, Exit } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import type { StatusPayload, TaskRecord, TaskStore, TrackingUpdate } from "@parallax/application/tracking";
import { dockerAvailable, NO_DOCKER, startAwsServices, startContainerServices, type AwsServices } from "../aws/aws-services.testkit.js";
import { S3BlobStore } from "../aws/s3-blob.store.js";
import { DynamoTaskStore } from "./dynamodb-task.store.js";
import { FileTaskStore } from "./file-task.store.js";
import { tempDir } from "./vision.testkit.js";

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);
const status = (s: StatusPayload["status"]): StatusPayload => ({
  status: s, progress: 0, current_step: s, details: "", start_time: "2026-01-01T00:00:00.000Z", last_update_time: "2026-01-01T00:00:00.000Z",
  environment_id: "demo", total_sub_video_batches: 1, completed_sub_video_batches: 0, total_frames_estimate: 0, processed_frames_count: 0,
});
const record = (id: string, startTime: string, s: StatusPayload["status"] = "QUEUED"): TaskRecord => ({ ...status(s), task_id: id, start_time: startTime });
const update = (i: number, picture?: string): TrackingUpdate => ({
  frame_index: i, global_frame_index: i, scene_id: "demo", timestamp_processed_utc: "2026-01-01T00:00:00.000Z",
  cameras: { cam1: { image_source: `${String(i).padStart(6, "0")}.jpg`, ...(picture ? { frame_image_base64: picture } : {}), tracks: [{ track_id: 1, bbox_xyxy: [1, 2, 3, 4], class_id: 1 }] } },
});

/** dynalite + s3rver, started once for the aws store's runs (each run gets its own table and key prefix). */
let aws: AwsServices | undefined;
afterAll(async () => aws?.close());
async function awsStore(): Promise<TaskStore> {
  aws ??= await startAwsServices();
  return storeOn(aws);
}
async function storeOn(services: AwsServices): Promise<TaskStore> {
  const clients = await services.clients();
  return new DynamoTaskStore(clients.documents, clients.table, new S3BlobStore(clients, `${clients.table}/`));
}

/** DynamoDB Local + MinIO (testcontainers), where a Docker engine answers. */
if (!dockerAvailable) console.warn(`skipping the task store runs on DynamoDB Local + MinIO (testcontainers): ${NO_DOCKER}`);
let containers: Promise<AwsServices> | undefined;
afterAll(async () => (await containers)?.close());

/** What every TaskStore adapter must do (the pipeline and the hosts rely on it), run over each of them. */
describe.each<[string, () => Promise<TaskStore>]>([
  ["file", async () => new FileTaskStore(tempDir("task-stores"))],
  ["aws (dynalite + s3rver)", awsStore],
  ...(dockerAvailable ? ([["aws (DynamoDB Local + MinIO, testcontainers)", async () => storeOn(await (containers ??= startContainerServices()))]] as Array<[string, () => Promise<TaskStore>]>) : []),
])("TaskStore contract: %s", (_, makeStore) => {
  it("keeps records (a put replaces), lists the most recently started first, NotFound for an unknown task", async () => {
    const store = await makeStore();
    await run(store.put(record("a", "2026-01-01T00:00:00.000Z")));
    await run(store.put(record("b", "2026-01-02T00:00:00.000Z")));
    await run(store.put(record("c", "2026-01-01T12:00:00.000Z")));
    await run(store.put(record("a", "2026-01-01T00:00:00.000Z", "PROCESSING")));
    expect((await run(store.list)).map((r) => r.task_id)).toEqual(["b", "c", "a"]);
    expect(await run(store.get("a"))).toEqual(record("a", "2026-01-01T00:00:00.000Z", "PROCESSING"));
    const missing = await Effect.runPromiseExit(store.get("nope"));
    expect(Exit.isFailure(missing) && JSON.stringify(missing.cause)).toContain("Processing task not found.");
    expect(JSON.stringify(await Effect.runPromiseExit(store.results("nope", {})))).toContain("NotFound");
  });

  it("results: appended in frame order, read whole or by window; a reader resuming where it stopped gets what came since", async () => {
    const store = await makeStore();
    await run(store.put(record("a", "2026-01-01T00:00:00.000Z")));
    expect(await run(store.results("a", {}))).toEqual([]);
    await run(store.append("a", [update(0), update(1), update(2)]));
    expect(await run(store.results("a", {}))).toEqual([0, 1, 2].map((i) => update(i)));
    expect(await run(store.results("a", { from: 1, to: 2 }))).toEqual([update(1)]);
    expect(await run(store.results("a", { from: 3 }))).toEqual([]);
    await run(store.append("a", [update(3)]));
    await run(store.append("a", [update(4), update(5)]));
    expect(await run(store.results("a", { from: 3 }))).toEqual([3, 4, 5].map((i) => update(i)));
    expect(await run(store.results("a", { from: 6 }))).toEqual([]);
    expect(await run(store.results("a", { from: 2, to: 5 }))).toEqual([2, 3, 4].map((i) => update(i)));
    expect(await run(store.results("a", {}))).toEqual([0, 1, 2, 3, 4, 5].map((i) => update(i)));
  });

  it("an update carrying a camera's picture (~1.6 MB) is kept whole", async () => {
    const store = await makeStore();
    await run(store.put(record("p", "2026-01-01T00:00:00.000Z")));
    const picture = Buffer.from(Array.from({ length: 1_200_000 }, (_, i) => (i * 7919) % 251)).toString("base64");
    await run(store.append("p", [update(0, picture)]));
    expect(await run(store.results("p", {}))).toEqual([update(0, picture)]);
  });

  it("keeps each camera's frame size beside the record: {} until written, a record put leaves it", async () => {
    const store = await makeStore();
    await run(store.put(record("a", "2026-01-01T00:00:00.000Z")));
    expect(await run(store.frameSizes("a"))).toEqual({});
    await run(store.putFrameSizes("a", { cam1: { width: 1920, height: 1080 } }));
    await run(store.put(record("a", "2026-01-01T00:00:00.000Z", "COMPLETED")));
    expect(await run(store.frameSizes("a"))).toEqual({ cam1: { width: 1920, height: 1080 } });
    expect(await run(store.get("a"))).toEqual(record("a", "2026-01-01T00:00:00.000Z", "COMPLETED"));
    expect(JSON.stringify(await Effect.runPromiseExit(store.frameSizes("nope")))).toContain("NotFound");
  });
});
