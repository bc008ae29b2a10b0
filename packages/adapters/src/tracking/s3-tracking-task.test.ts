import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Effect, Exit, Scope, Stream } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTrackingTasks, type TaskRecord, type TrackingEvent, type TrackingUpdate, type VideoLocations } from "@parallax/application/tracking";
import { FileVideoCatalog } from "./file-video.catalog.js";
import { S3VideoLocations } from "./s3-video.locations.js";
import { faultyProxy, startS3rver, type CountingClient, type S3rverHandle } from "./s3rver.testkit.js";
import { weightFreeTrackingDeps } from "./tracking-task.testkit.js";
import { missing, tempDir } from "./vision.testkit.js";

/**
 * Issue 15's acceptance for S3 video locations: the demo environment's files uploaded to s3rver
 * give the same tracks as the same files on disk, and a second task on them downloads nothing.
 */
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);

interface DemoFile { environments: { cameras: { id: string; source: string; pattern: string; count: number; homography: string }[] }[] }

let server: S3rverHandle;
let demoDir: string;
let demo: DemoFile["environments"][number];

beforeAll(async () => {
  if (missing({ ffmpeg: true })) return;
  server = await startS3rver(["videos"]);
  const catalog = new FileVideoCatalog({ dataDir: tempDir("s3-task-demo") });
  await run(catalog.environment("demo"));
  demoDir = catalog.demoDir;
  demo = (JSON.parse(readFileSync(join(demoDir, "environments.json"), "utf8")) as DemoFile).environments[0]!;
  for (const dir of [...demo.cameras.map((c) => c.source), "homography"]) {
    for (const name of readdirSync(join(demoDir, dir))) await server.put("videos", `demo/${dir}/${name}`, readFileSync(join(demoDir, dir, name)));
  }
}, 120_000);
afterAll(() => server?.close());

/** The demo's cameras as environment `scene`, their files wherever `where` says (a directory or an s3:// prefix). */
function sceneFile(where: string, options: { cameras?: number; homography?: boolean } = {}): string {
  const file = join(tempDir("s3-task-env"), "environments.json");
  const cameras = demo.cameras.slice(0, options.cameras).map((c) => ({
    ...c,
    source: `${where}/${c.source}`,
    ...(options.homography === false ? { homography: undefined } : { homography: `${where}/${c.homography}` }),
  }));
  writeFileSync(file, JSON.stringify({ environments: [{ id: "scene", cameras }] }));
  return file;
}

/** Runs one task on `scene` to its end; its events, final record and stored results. */
async function runScene(file: string, locations?: VideoLocations, whileRunning?: (cancel: () => Promise<unknown>) => Promise<void>) {
  const dataDir = tempDir("s3-task-data");
  const deps = weightFreeTrackingDeps(dataDir, new FileVideoCatalog({ dataDir, file }), locations ? { locations } : {});
  const scope = await run(Scope.make());
  try {
    const tasks = await run(Scope.provide(makeTrackingTasks(deps), scope));
    const { task_id } = await run(tasks.start("scene"));
    const [events] = await Promise.all([
      run(Effect.scoped(Effect.flatMap(tasks.events(task_id), (stream) => Stream.runCollect(stream)))),
      whileRunning?.(() => run(tasks.cancel(task_id))),
    ]);
    const record: TaskRecord = await run(tasks.status(task_id));
    return { events: [...events] as TrackingEvent[], record, results: await run(tasks.results(task_id, {})) };
  } finally {
    await run(Scope.close(scope, Exit.void));
  }
}

async function s3Locations(cacheDir: string, endpoint?: string): Promise<{ locations: S3VideoLocations; client: CountingClient }> {
  const client = await server.client(endpoint);
  return { locations: new S3VideoLocations({ cacheDir, client: () => Promise.resolve(client.s3) }), client };
}

const updates = (events: readonly TrackingEvent[]) => events.flatMap((e) => (e.type === "tracking_update" ? [e.payload] : []));
/** What a task found, without when it found it. */
const tracks = (results: readonly TrackingUpdate[]) => results.map(({ timestamp_processed_utc: _, ...rest }) => rest);
const cacheFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : []);

describe.skipIf(missing({ ffmpeg: true }))("a processing task on S3 videos (s3rver)", () => {
  it("gives the same tracks as the local files; a second task on the same videos downloads none of them", async () => {
    const local = await runScene(sceneFile(demoDir));
    expect(local.record.status).toBe("COMPLETED");
    expect(local.results.length).toBe(120);

    const cacheDir = tempDir("s3-task-cache");
    const first = await s3Locations(cacheDir);
    const fromS3 = await runScene(sceneFile("s3://videos/demo"), first.locations);
    expect(fromS3.record).toMatchObject({ status: "COMPLETED", processed_frames_count: local.record.processed_frames_count, total_frames_estimate: local.record.total_frames_estimate });
    expect(tracks(fromS3.results)).toEqual(tracks(local.results));
    expect(tracks(updates(fromS3.events))).toEqual(tracks(local.results));
    // 4 cameras × 2 sub-videos and 4 calibrations, each downloaded once.
    expect(first.client.count("GetObjectCommand")).toBe(12);
    const statuses = fromS3.events.flatMap((e) => (e.type === "status_update" ? [e.payload.status] : []));
    expect([...new Set(statuses)]).toEqual(["QUEUED", "INITIALIZING", "DOWNLOADING_DATA", "PROCESSING", "COMPLETED"]);

    // Another process on the same cache (a new adapter and client): the ETags are asked for, no object is downloaded.
    const second = await s3Locations(cacheDir);
    const again = await runScene(sceneFile("s3://videos/demo"), second.locations);
    expect(again.record.status).toBe("COMPLETED");
    expect(tracks(again.results)).toEqual(tracks(local.results));
    expect(second.client.count("HeadObjectCommand")).toBe(12);
    expect(second.client.count("GetObjectCommand")).toBe(0);
  }, 120_000);

  it("a missing video fails the task naming it; a missing calibration likewise", async () => {
    const { locations } = await s3Locations(tempDir("s3-task-cache"));
    const video = await runScene(sceneFile("s3://videos/absent", { cameras: 1, homography: false }), locations);
    expect(video.record).toMatchObject({ status: "FAILED", details: "video s3://videos/absent/cam1/sub_video_01.mp4 not found" });
    const calibration = await runScene(sceneFile("s3://videos/absent", { cameras: 1 }), locations);
    expect(calibration.record).toMatchObject({ status: "FAILED", details: "homography s3://videos/absent/homography/cam1.json not found" });
  }, 60_000);

  it("an S3 location without S3 configured fails the task saying so", async () => {
    const { record } = await runScene(sceneFile("s3://videos/demo", { cameras: 1, homography: false }));
    expect(record).toMatchObject({ status: "FAILED", details: expect.stringContaining("no remote storage (VideoLocations) configured") });
  }, 60_000);

  it("cancel while the videos download ends CANCELLED and leaves nothing in the cache", async () => {
    // Each connection stalls after 12 KiB of responses: the calibrations (~1 KiB each) pass, every video (~18 KiB) stops half-way.
    const proxy = await faultyProxy(server.port, { bytes: 12 * 1024, then: "stall" });
    const cacheDir = tempDir("s3-task-cache");
    try {
      const { locations } = await s3Locations(cacheDir, proxy.endpoint);
      const { record } = await runScene(sceneFile("s3://videos/demo"), locations, async (cancel) => {
        while (!cacheFiles(join(cacheDir, ".partial")).some((name) => name.endsWith(".mp4"))) await new Promise((resolve) => setTimeout(resolve, 20));
        await cancel();
      });
      expect(record.status).toBe("CANCELLED");
      expect(cacheFiles(join(cacheDir, ".partial"))).toEqual([]);
      // Only the calibrations, downloaded before the videos, are entries.
      expect(cacheFiles(cacheDir).sort()).toEqual(["cam1.json", "cam2.json", "cam3.json", "cam4.json"]);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
