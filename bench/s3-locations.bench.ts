/**
 * `npm run bench -- s3-locations [seconds]`: two ways a task can read an `s3://` video, through
 * s3rver on 127.0.0.1, on a few-MB H.264 video (640 × 360, 25 fps, `seconds` long, default 40),
 * written once as a camera writes it (index at the end) and once with `+faststart` (index first):
 *
 * - cache: `S3VideoLocations` downloads the object once into the content-addressed cache
 *   (cold: HEAD + GET), ffmpeg decodes the local file; a later task only asks for the ETag (warm).
 * - url: a presigned GET URL given to ffmpeg, which reads it over HTTP with range requests, every
 *   task again.
 *
 * For each: the fetch, probing and decoding every frame sampled to 10 fps (what a task does), and
 * one frame decoded at the middle (the frames route), in ms; requests and bytes the server sent.
 * Median of 3 runs. The machine is shared: every line carries the load average.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Effect, Stream } from "effect";
import { FfmpegFrameSource, S3VideoLocations, locateFfmpeg } from "@parallax/adapters/tracking";
import { startS3rver, type S3rverHandle } from "../packages/adapters/src/tracking/s3rver.testkit.js";
import { tempDir } from "../packages/adapters/src/tracking/vision.testkit.js";
import { emit, round } from "./support.js";

const frames = new FfmpegFrameSource();
const RUNS = 3;

export async function main(args: string[]): Promise<void> {
  const seconds = Number(args[0] ?? 40);
  const ffmpeg = await Effect.runPromise(locateFfmpeg);
  const dir = tempDir("bench-s3");
  const server = await startS3rver(["videos"]);
  try {
    for (const layout of ["index at end", "faststart"] as const) {
      const file = join(dir, layout === "faststart" ? "faststart.mp4" : "camera.mp4");
      execFileSync(ffmpeg, [
        "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", `testsrc2=size=640x360:rate=25`, "-t", String(seconds),
        "-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-pix_fmt", "yuv420p", ...(layout === "faststart" ? ["-movflags", "+faststart"] : []), "-y", file,
      ]);
      const key = `bench/${layout === "faststart" ? "faststart" : "camera"}/sub_video_01.mp4`;
      await server.put("videos", key, readFileSync(file));
      const bytes = statSync(file).size;
      const middleMs = (seconds * 1000) / 2;
      const common = { layout, video_mib: round(bytes / 1024 / 1024, 2), seconds, ...machine() };

      const cache = { cold: [] as Measure[], warm: [] as Measure[] };
      for (let r = 0; r < RUNS; r++) {
        const cacheDir = join(dir, `cache-${layout.replace(/ /g, "-")}-${r}`);
        // A fresh adapter per task, as another process would have: only the cache on disk is shared.
        cache.cold.push(await measure(server, `s3://videos/${key}`, middleMs, () => adapter(server, cacheDir)));
        cache.warm.push(await measure(server, `s3://videos/${key}`, middleMs, () => adapter(server, cacheDir)));
      }
      emit("s3-locations cache, first task (download)", { ...common, ...median(cache.cold) });
      emit("s3-locations cache, later task (cached)", { ...common, ...median(cache.warm) });

      const url: Measure[] = [];
      for (let r = 0; r < RUNS; r++) {
        url.push(await measure(server, `s3://videos/${key}`, middleMs, async () => {
          const { s3 } = await server.client();
          return (_: string) => Effect.promise(() => getSignedUrl(s3, new GetObjectCommand({ Bucket: "videos", Key: key }), { expiresIn: 3600 }));
        }));
      }
      emit("s3-locations presigned URL read by ffmpeg, every task", { ...common, ...median(url) });
    }
  } finally {
    await server.close();
  }
}

interface Measure {
  fetch_ms: number;
  probe_and_decode_10fps_ms: number;
  frames: number;
  seek_one_frame_ms: number;
  task_requests: Record<string, number>;
  task_mib_sent: number;
  seek_requests: Record<string, number>;
  seek_mib_sent: number;
}

type Fetch = (location: string) => Effect.Effect<string, unknown>;

async function adapter(server: S3rverHandle, cacheDir: string): Promise<Fetch> {
  const { s3 } = await server.client();
  const locations = new S3VideoLocations({ cacheDir, client: () => Promise.resolve(s3) });
  return (location) => locations.localPath(location);
}

/** One task's reading of the video (fetch, probe, decode at 10 fps), then one frame at `middleMs` as the frames route reads it. */
async function measure(server: S3rverHandle, location: string, middleMs: number, make: () => Promise<Fetch>): Promise<Measure> {
  const fetch = await make();
  const before = await server.traffic();
  let started = performance.now();
  const video = await Effect.runPromise(fetch(location));
  const fetchMs = performance.now() - started;
  started = performance.now();
  await Effect.runPromise(frames.probe(video));
  const count = await Effect.runPromise(Stream.runCount(frames.frames(video, { fps: 10 })));
  const decodeMs = performance.now() - started;
  const afterTask = await server.traffic();
  started = performance.now();
  const again = await Effect.runPromise(fetch(location));
  await Effect.runPromise(Stream.runDrain(frames.frames(again, { startMs: middleMs, maxFrames: 1, fps: 10 })));
  const seekMs = performance.now() - started;
  const afterSeek = await server.traffic();
  return {
    fetch_ms: round(fetchMs, 1),
    probe_and_decode_10fps_ms: round(decodeMs, 1),
    frames: count,
    seek_one_frame_ms: round(seekMs, 1),
    task_requests: difference(before.requests, afterTask.requests),
    task_mib_sent: round((afterTask.bytesSent - before.bytesSent) / 1024 / 1024, 2),
    seek_requests: difference(afterTask.requests, afterSeek.requests),
    seek_mib_sent: round((afterSeek.bytesSent - afterTask.bytesSent) / 1024 / 1024, 2),
  };
}

function difference(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([method, n]) => [method, n - (before[method] ?? 0)]).filter(([, n]) => n !== 0));
}

/** Each timing's median over the runs; counts from the median run of the task. */
function median(runs: readonly Measure[]): Record<string, unknown> {
  const mid = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const byTask = [...runs].sort((a, b) => a.fetch_ms + a.probe_and_decode_10fps_ms - (b.fetch_ms + b.probe_and_decode_10fps_ms))[Math.floor(runs.length / 2)]!;
  return {
    ...byTask,
    fetch_ms: mid(runs.map((r) => r.fetch_ms)),
    probe_and_decode_10fps_ms: mid(runs.map((r) => r.probe_and_decode_10fps_ms)),
    seek_one_frame_ms: mid(runs.map((r) => r.seek_one_frame_ms)),
    task_ms: mid(runs.map((r) => r.fetch_ms + r.probe_and_decode_10fps_ms)),
    runs: runs.length,
  };
}

function machine(): Record<string, number> {
  return { load_average_1m: round(loadavg()[0] ?? Number.NaN, 2), cpus: availableParallelism() };
}
