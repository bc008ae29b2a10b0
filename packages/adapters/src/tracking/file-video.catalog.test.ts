import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Effect, Exit, Stream } from "effect";
import { describe, expect, it } from "vitest";
import { parseMot } from "@parallax/domain/tracking";
import { DEMO } from "./demo-environment.js";
import { subVideoFileName } from "./environments.schema.js";
import { FfmpegFrameSource } from "./ffmpeg-frame.source.js";
import { FileHomographySource } from "./file-homography.source.js";
import { FileVideoCatalog } from "./file-video.catalog.js";
import { missing, tempDir } from "./vision.testkit.js";

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);

describe("environments file", () => {
  it("resolves cameras to ordered sub-videos, local paths relative to the file and S3 keys as given", async () => {
    const dir = tempDir("environments");
    const file = join(dir, "environments.json");
    writeFileSync(file, JSON.stringify({
      environments: [{
        id: "factory",
        cameras: [
          { id: "c09", source: "s3://bucket/video_s14/c09/", pattern: "sub_video_{idx:02d}.mp4", count: 2, homography: "homography/c09.npz" },
          { id: "c12", source: "videos/c12", pattern: "part{idx}.mp4", count: 2 },
        ],
        overlaps: [["c09", "c12"]],
      }],
    }));
    const catalog = new FileVideoCatalog({ file, dataDir: dir });
    const env = await run(catalog.environment("factory"));
    expect(env).toEqual({
      id: "factory",
      cameras: [
        { id: "c09", videos: ["s3://bucket/video_s14/c09/sub_video_01.mp4", "s3://bucket/video_s14/c09/sub_video_02.mp4"], homography: join(dir, "homography/c09.npz") },
        { id: "c12", videos: [join(dir, "videos/c12/part1.mp4"), join(dir, "videos/c12/part2.mp4")] },
      ],
      overlaps: [["c09", "c12"]],
      mapUnits: "m",
    });
    expect(await run(catalog.ids)).toEqual(["demo", "factory"]);
    const unknown = await Effect.runPromiseExit(catalog.environment("nowhere"));
    expect(Exit.isFailure(unknown) && JSON.stringify(unknown.cause)).toContain("NotFound");
  });

  it("refuses a file whose cameras disagree on their sub-video count or whose overlaps name unknown cameras, naming the problem", async () => {
    const dir = tempDir("environments-bad");
    const file = join(dir, "environments.json");
    writeFileSync(file, JSON.stringify({ environments: [{ id: "x", cameras: [{ id: "a", source: "a", count: 1 }, { id: "b", source: "b", count: 2 }], overlaps: [["a", "z"]] }] }));
    const exit = await Effect.runPromiseExit(new FileVideoCatalog({ file, dataDir: dir }).environment("x"));
    const text = JSON.stringify(exit);
    expect(text).toContain("same count of sub-videos");
    expect(text).toContain("unknown camera 'z'");
  });

  it("formats the pattern as Python's {idx:02d} did", () => {
    expect(subVideoFileName("sub_video_{idx:02d}.mp4", 3)).toBe("sub_video_03.mp4");
    expect(subVideoFileName("v{idx}.mp4", 12)).toBe("v12.mp4");
  });
});

describe.skipIf(missing({ ffmpeg: true }))("the built-in demo environment", () => {
  it("is rendered once on first use: decodable sub-videos of the announced size and length, valid calibrations, ground truth", async () => {
    const dataDir = tempDir("demo-env");
    const catalog = new FileVideoCatalog({ dataDir });
    // Two look-ups at once on a fresh machine render it once.
    const [env] = await run(Effect.all([catalog.environment("demo"), catalog.environment("demo")], { concurrency: 2 }));
    expect(env.cameras.map((c) => c.id)).toEqual(["cam1", "cam2", "cam3", "cam4"]);
    const source = new FfmpegFrameSource();
    for (const camera of env.cameras) {
      expect(camera.videos).toHaveLength(DEMO.subVideos);
      const frames = await run(Stream.runCollect(source.frames(camera.videos[0]!)));
      expect(frames).toHaveLength(DEMO.framesPerSubVideo);
      expect([frames[0]!.width, frames[0]!.height]).toEqual([DEMO.width, DEMO.height]);
      const homography = await run(new FileHomographySource().load(camera.homography!));
      expect(homography.rmsError).toBeLessThan(0.01);
      const truth = parseMot(readFileSync(join(catalog.demoDir, "groundtruth", `${camera.id}.txt`), "utf8"));
      expect(truth.length).toBeGreaterThan(DEMO.framesPerSubVideo);
      expect(Math.max(...truth.map((r) => r.frame))).toBeLessThanOrEqual(DEMO.subVideos * DEMO.framesPerSubVideo);
    }
    expect(existsSync(join(catalog.demoDir, "environments.json"))).toBe(true);
  }, 60_000);
});
