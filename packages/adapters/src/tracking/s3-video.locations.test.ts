import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Effect, Exit, Fiber } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VideoLocations } from "@parallax/application/tracking";
import { createContainer, loadConfig } from "../composition/index.js";
import { createLogger } from "../shared/logger.js";
import { S3VideoLocations } from "./s3-video.locations.js";
import { faultyProxy, startS3rver, type CountingClient, type S3rverHandle } from "./s3rver.testkit.js";
import { tempDir } from "./vision.testkit.js";

/** S3 locations against s3rver: one download per object and ETag, shared by fetches and instances; nothing partial left behind. */
let server: S3rverHandle;
const VIDEO = randomBytes(3 * 1024 * 1024);
beforeAll(async () => {
  server = await startS3rver(["videos"]);
  await server.put("videos", "env/c09/sub_video_01.mp4", VIDEO);
});
afterAll(() => server.close());

async function s3Locations(options: { cacheDir?: string; endpoint?: string; maxBytes?: number } = {}): Promise<{ locations: S3VideoLocations; client: CountingClient; cacheDir: string }> {
  const cacheDir = options.cacheDir ?? tempDir("s3-cache");
  const client = await server.client(options.endpoint);
  const cap = options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes };
  return { locations: new S3VideoLocations({ cacheDir, client: () => Promise.resolve(client.s3), ...cap }), client, cacheDir };
}

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);
const failure = async (effect: Effect.Effect<unknown, { _tag: string; message: string }>) => {
  const exit = await Effect.runPromiseExit(effect);
  if (Exit.isSuccess(exit)) throw new Error("expected a failure");
  const error = exit.cause.reasons.find((reason) => reason._tag === "Fail");
  return error?._tag === "Fail" ? { tag: error.error._tag, message: error.error.message } : undefined;
};
/** Every file under the cache, relative to it (entries and partial downloads alike). */
const cacheFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)) : []);

describe("S3VideoLocations", () => {
  it("passes local paths through without touching S3", async () => {
    const { locations, client } = await s3Locations();
    expect(await run(locations.localPath("/data/videos/c09/sub_video_01.mp4"))).toBe("/data/videos/c09/sub_video_01.mp4");
    expect(await run(locations.localPath("relative/c09.npz"))).toBe("relative/c09.npz");
    expect(client.count("HeadObjectCommand")).toBe(0);
  });

  it("downloads an object once into the cache, keeping its file name; later fetches, also by a new instance, only ask for its ETag", async () => {
    const first = await s3Locations();
    const path = await run(first.locations.localPath("s3://videos/env/c09/sub_video_01.mp4"));
    expect(path.startsWith(first.cacheDir)).toBe(true);
    expect(path.endsWith("/sub_video_01.mp4")).toBe(true);
    expect(readFileSync(path).equals(VIDEO)).toBe(true);
    expect(await run(first.locations.localPath("s3://videos/env/c09/sub_video_01.mp4"))).toBe(path);
    expect(first.client.count("GetObjectCommand")).toBe(1);

    const restarted = await s3Locations({ cacheDir: first.cacheDir });
    expect(await run(restarted.locations.localPath("s3://videos/env/c09/sub_video_01.mp4"))).toBe(path);
    expect(restarted.client.count("HeadObjectCommand")).toBe(1);
    expect(restarted.client.count("GetObjectCommand")).toBe(0);
    expect(cacheFiles(first.cacheDir)).toHaveLength(1);
  });

  it("concurrent fetches of one object wait for one download", async () => {
    const { locations: s3, client } = await s3Locations();
    const paths = await run(Effect.all(Array.from({ length: 4 }, () => s3.localPath("s3://videos/env/c09/sub_video_01.mp4")), { concurrency: "unbounded" }));
    expect(new Set(paths).size).toBe(1);
    expect(client.count("GetObjectCommand")).toBe(1);
  });

  it("an object replaced in the bucket is a new entry (its ETag is in the key), never the old bytes", async () => {
    await server.put("videos", "env/replaced.json", '{"version":1}');
    const { locations: s3, client } = await s3Locations();
    const before = await run(s3.localPath("s3://videos/env/replaced.json"));
    await server.put("videos", "env/replaced.json", '{"version":2}');
    const after = await run(s3.localPath("s3://videos/env/replaced.json"));
    expect(after).not.toBe(before);
    expect(readFileSync(after, "utf8")).toBe('{"version":2}');
    expect(client.count("GetObjectCommand")).toBe(2);
  });

  it("a missing key or bucket is NotFound naming the location; a malformed location is refused", async () => {
    const { locations: s3 } = await s3Locations();
    expect(await failure(s3.localPath("s3://videos/env/c09/sub_video_09.mp4"))).toEqual({ tag: "NotFound", message: "s3://videos/env/c09/sub_video_09.mp4 not found" });
    expect(await failure(s3.localPath("s3://nobucket/c09/sub_video_01.mp4"))).toEqual({ tag: "NotFound", message: "s3://nobucket/c09/sub_video_01.mp4 not found" });
    expect(await failure(s3.localPath("s3://videos"))).toMatchObject({ tag: "StorageFailure", message: expect.stringContaining("not an S3 object location") });
  });

  it("a download cut by the network fails and leaves no entry and no partial file; the next fetch downloads it whole", async () => {
    const proxy = await faultyProxy(server.port, { bytes: 256 * 1024, then: "cut" });
    try {
      const cut = await s3Locations({ endpoint: proxy.endpoint });
      expect(await failure(cut.locations.localPath("s3://videos/env/c09/sub_video_01.mp4"))).toEqual({
        tag: "StorageFailure",
        message: "cannot fetch s3://videos/env/c09/sub_video_01.mp4: the connection closed before the whole object arrived",
      });
      expect(cut.client.count("GetObjectCommand")).toBeGreaterThanOrEqual(1);
      expect(cacheFiles(cut.cacheDir)).toEqual([]);

      const direct = await s3Locations({ cacheDir: cut.cacheDir });
      expect(readFileSync(await run(direct.locations.localPath("s3://videos/env/c09/sub_video_01.mp4"))).equals(VIDEO)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it("an interrupted download stops and leaves no entry and no partial file", async () => {
    const proxy = await faultyProxy(server.port, { bytes: 256 * 1024, then: "stall" });
    try {
      const stalled = await s3Locations({ endpoint: proxy.endpoint });
      const fiber = Effect.runFork(stalled.locations.localPath("s3://videos/env/c09/sub_video_01.mp4"));
      // Under way: part of the object is on disk, as a partial download.
      while (!cacheFiles(stalled.cacheDir).some((file) => file.startsWith(".partial/"))) await new Promise((resolve) => setTimeout(resolve, 20));
      const exit = await run(Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber))));
      expect(Exit.hasInterrupts(exit)).toBe(true);
      expect(cacheFiles(stalled.cacheDir)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});

describe("S3VideoLocations' cap", () => {
  const KIB = 1024;
  const objects = { a: randomBytes(100 * KIB), b: randomBytes(100 * KIB), c: randomBytes(100 * KIB) };
  beforeAll(async () => {
    for (const [name, bytes] of Object.entries(objects)) await server.put("videos", `capped/${name}.mp4`, bytes);
  });
  const at = (path: string, secondsAgo: number) => {
    const when = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(path, when, when);
  };
  const entryDir = (path: string) => dirname(path);

  it("evicts the least recently used entries after a download (a hit counts as a use), keeps the newest, and downloads an evicted one again", async () => {
    const { locations: s3, client, cacheDir } = await s3Locations({ maxBytes: 250 * KIB });
    const a = await run(s3.localPath("s3://videos/capped/a.mp4"));
    const b = await run(s3.localPath("s3://videos/capped/b.mp4"));
    // Last uses set apart explicitly (file-system times are coarse): a long ago, b more recently.
    at(entryDir(a), 300);
    at(entryDir(b), 200);
    // A hit on a is a use: its entry's time moves to now, so b is now the least recently used.
    expect(await run(s3.localPath("s3://videos/capped/a.mp4"))).toBe(a);
    expect(statSync(entryDir(a)).mtimeMs).toBeGreaterThan(Date.now() - 100_000);
    at(entryDir(a), 100);
    expect(client.count("GetObjectCommand")).toBe(2);

    // c makes 300 KiB > 250: b goes, a and c (the newest) stay.
    const c = await run(s3.localPath("s3://videos/capped/c.mp4"));
    expect(existsSync(entryDir(b))).toBe(false);
    expect(readFileSync(a).equals(objects.a)).toBe(true);
    expect(readFileSync(c).equals(objects.c)).toBe(true);
    expect(cacheFiles(cacheDir)).toHaveLength(2);

    // b is downloaded again on its next use; then a, now the least recently used, goes.
    at(entryDir(c), 50);
    expect(readFileSync(await run(s3.localPath("s3://videos/capped/b.mp4"))).equals(objects.b)).toBe(true);
    expect(client.count("GetObjectCommand")).toBe(4);
    expect(existsSync(entryDir(a))).toBe(false);
    expect(existsSync(c)).toBe(true);
  });

  it("never evicts the entry just downloaded, even alone over the cap", async () => {
    const { locations: s3, cacheDir } = await s3Locations({ maxBytes: 10 * KIB });
    const a = await run(s3.localPath("s3://videos/capped/a.mp4"));
    at(entryDir(a), 100);
    const b = await run(s3.localPath("s3://videos/capped/b.mp4"));
    expect(existsSync(a)).toBe(false);
    expect(readFileSync(b).equals(objects.b)).toBe(true);
    expect(cacheFiles(cacheDir)).toHaveLength(1);
  });

  it("sweeps partial downloads a crashed process left over an hour ago, not recent ones", async () => {
    const { locations: s3, cacheDir } = await s3Locations({ maxBytes: 1024 * KIB });
    mkdirSync(join(cacheDir, ".partial"), { recursive: true });
    const stale = join(cacheDir, ".partial", "0000-stale.mp4");
    const recent = join(cacheDir, ".partial", "0000-recent.mp4");
    writeFileSync(stale, "cut");
    writeFileSync(recent, "under way");
    at(stale, 2 * 60 * 60);
    at(recent, 10 * 60);
    await run(s3.localPath("s3://videos/capped/a.mp4"));
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(recent)).toBe(true);
  });
});

describe("S3 configuration", () => {
  const container = (env: Record<string, string>) => createContainer(loadConfig(env, { STORAGE: "memory", LOG_LEVEL: "silent" }), { logger: createLogger("silent") });

  it("binds S3 locations (the SDK is imported on the first s3:// location, not here) and refuses an endpoint that is not an http(s) URL", () => {
    expect(container({ S3_ENDPOINT: "http://127.0.0.1:4568", AWS_REGION: "eu-west-1" }).get(VideoLocations)).toBeInstanceOf(S3VideoLocations);
    expect(() => container({ S3_ENDPOINT: "127.0.0.1:4568" })).toThrow(/S3_ENDPOINT/);
    expect(() => container({ TRACKING_CACHE_MAX_MB: "-1" })).toThrow(/TRACKING_CACHE_MAX_MB/);
  });
});
