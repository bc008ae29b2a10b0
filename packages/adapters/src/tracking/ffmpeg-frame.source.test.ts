import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Deferred, Effect, Exit, Fiber, Stream } from "effect";
import { describe, expect, it } from "vitest";
import { VideoDecodeFailed, type Frame } from "@parallax/application/tracking";
import { FfmpegFrameSource } from "./ffmpeg-frame.source.js";
import { CLIP, alive, ffmpeg, makeVideo, missing, pidsWithArgument, shared, tempDir } from "./vision.testkit.js";

const source = new FfmpegFrameSource({ killGraceMs: 1_000 });
const readProc = (pid: number, file: string) => readFileSync(`/proc/${pid}/${file}`, "utf8");
/** Polls `condition` until it holds (true) or about 10 s have passed (false). */
async function waitUntil(condition: () => boolean): Promise<boolean> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}
const collect = (video: string, options = {}) => Effect.runPromise(Stream.runCollect(source.frames(video, options)));
const failure = async (stream: Stream.Stream<Frame, VideoDecodeFailed>) => {
  const exit = await Effect.runPromiseExit(Stream.runDrain(stream));
  if (Exit.isSuccess(exit)) throw new Error("the stream succeeded");
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")?.error;
  expect(error).toBeInstanceOf(VideoDecodeFailed);
  return error!;
};

const noFfmpeg = missing({ ffmpeg: true });
describe.skipIf(noFfmpeg)("FfmpegFrameSource on videos made by ffmpeg", () => {
  const dir = tempDir("frames");
  const red = makeVideo(dir, "red.mp4", "color=c=red:size=64x48:rate=10", 2);

  it("yields every frame as packed RGB24 with its presentation time", async () => {
    const frames = await collect(red);
    expect(frames).toHaveLength(20);
    expect(frames.map((f) => f.index)).toEqual(Array.from({ length: 20 }, (_, k) => k));
    expect(frames.map((f) => f.timestampMs)).toEqual(Array.from({ length: 20 }, (_, k) => 100 * k));
    const { width, height, data } = frames[7]!;
    expect([width, height, data.length]).toEqual([64, 48, 64 * 48 * 3]);
    const centre = 3 * (24 * 64 + 32);
    expect(Math.abs(data[centre]! - 255)).toBeLessThan(8);
    expect(data[centre + 1]!).toBeLessThan(8);
    expect(data[centre + 2]!).toBeLessThan(8);
  });

  it("samples to a target fps and scales, keeping the aspect ratio when one side is given", async () => {
    const frames = await collect(red, { fps: 4, width: 32 });
    expect(frames).toHaveLength(8);
    expect(frames.map((f) => f.timestampMs)).toEqual(Array.from({ length: 8 }, (_, k) => 250 * k));
    expect(frames.every((f) => f.width === 32 && f.height === 24 && f.data.length === 32 * 24 * 3)).toBe(true);
  });

  it("probes size, duration and frame rate without decoding", async () => {
    expect(await Effect.runPromise(source.probe(red))).toEqual({ width: 64, height: 48, durationMs: 2000, frameRate: 10 });
    const garbage = join(dir, "not-a-video.mp4");
    writeFileSync(garbage, "not a video\n".repeat(50));
    const exit = await Effect.runPromiseExit(source.probe(garbage));
    const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined;
    expect(error).toBeInstanceOf(VideoDecodeFailed);
    expect(error?.message).toContain("Invalid data found when processing input");
  });

  it("probes several videos with one ffmpeg, and names the one that fails as probe does", async () => {
    // A wrapper that counts its starts, then runs the real ffmpeg.
    const starts = join(dir, "starts.txt");
    const counting = join(dir, "counting-ffmpeg.sh");
    writeFileSync(counting, `#!/bin/sh\necho started >> '${starts}'\nexec '${ffmpeg}' "$@"\n`, { mode: 0o755 });
    const counted = new FfmpegFrameSource({ ffmpegPath: counting });
    const startCount = () => (existsSync(starts) ? readFileSync(starts, "utf8").split("\n").filter(Boolean).length : 0);
    const small = makeVideo(dir, "small-blue.mp4", "color=c=blue:size=32x24:rate=5", 3);

    const infos = await Effect.runPromise(counted.probeAll([red, small, red]));
    expect(infos).toEqual([
      { width: 64, height: 48, durationMs: 2000, frameRate: 10 },
      { width: 32, height: 24, durationMs: 3000, frameRate: 5 },
      { width: 64, height: 48, durationMs: 2000, frameRate: 10 },
    ]);
    expect(startCount()).toBe(1);

    const garbage = join(dir, "not-a-video-either.mp4");
    writeFileSync(garbage, "not a video\n".repeat(50));
    const exit = await Effect.runPromiseExit(counted.probeAll([red, garbage, small]));
    const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined;
    expect(error).toBeInstanceOf(VideoDecodeFailed);
    expect(error?.video).toBe(garbage);
    expect(error?.message).toContain("Invalid data found when processing input");
  });

  it("fails a garbage file with ffmpeg's own reason", async () => {
    const garbage = join(dir, "garbage.mp4");
    writeFileSync(garbage, Buffer.from("this is not a video, whatever its name says\n".repeat(20)));
    const error = await failure(source.frames(garbage));
    expect(error.message).toContain("Invalid data found when processing input");
    expect(error.exitCode).not.toBe(0);
    expect(error.video).toBe(garbage);
  });

  it("fails a truncated file (its index lost) and a missing file with ffmpeg's reason", async () => {
    const truncated = join(dir, "truncated.mp4");
    const bytes = readFileSync(red);
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    // The words depend on where the cut falls and on the ffmpeg version; they are ffmpeg's, not ours.
    expect((await failure(source.frames(truncated))).message).toMatch(/moov atom not found|timescale not set|Invalid data found/);
    expect((await failure(source.frames(join(dir, "nowhere.mp4")))).message).toContain("No such file or directory");
  });

  it("fails with the reason when ffmpeg itself cannot be started", async () => {
    const error = await failure(new FfmpegFrameSource({ ffmpegPath: join(dir, "no-ffmpeg-here") }).frames(red));
    expect(error.message).toMatch(/cannot start ffmpeg .*ENOENT/);
    expect(error.exitCode).toBeNull();
  });
});

const noClip = missing({ ffmpeg: true, shared: [CLIP] });
describe.skipIf(noClip)("FfmpegFrameSource on the shared clip", () => {
  it("probes the clip: 768 × 432, 139.4 s at 10 fps", async () => {
    expect(await Effect.runPromise(source.probe(shared(CLIP)))).toEqual({ width: 768, height: 432, durationMs: 139_400, frameRate: 10 });
  });

  it("delivers the frames decoded before a corrupt packet, then fails with ffmpeg's reason", async () => {
    const dir = tempDir("corrupt");
    const cut = join(dir, "cut.mp4");
    writeFileSync(cut, readFileSync(shared(CLIP)).subarray(0, 100_000));
    let delivered = 0;
    const error = await failure(source.frames(cut, { width: 96 }).pipe(Stream.tap(() => Effect.sync(() => void delivered++))));
    expect(delivered).toBeGreaterThan(0);
    expect(error.message).toContain("corrupt input packet");
  });

  it("ending a stream early or interrupting it leaves no ffmpeg process", async () => {
    const dir = tempDir("interrupt");
    // A private name, so that the ffmpeg of this stream is the only one that mentions it.
    const early = join(dir, "early.mp4");
    const interrupted = join(dir, "interrupted.mp4");
    copyFileSync(shared(CLIP), early);
    copyFileSync(shared(CLIP), interrupted);

    let earlyPid = 0;
    const taken = await Effect.runPromise(
      source.frames(early).pipe(
        Stream.tap(() => Effect.sync(() => void (earlyPid ||= pidsWithArgument(early)[0] ?? 0))),
        Stream.take(3),
        Stream.runCollect,
      ),
    );
    expect(taken).toHaveLength(3);
    expect(earlyPid).toBeGreaterThan(0);
    expect(alive(earlyPid)).toBe(false);

    const pid = await Effect.runPromise(
      Effect.gen(function* () {
        const started = yield* Deferred.make<number>();
        // A consumer that never finishes its second frame: ffmpeg is blocked on a full pipe.
        const consumer = yield* source.frames(interrupted).pipe(
          Stream.runForEach((frame) => (frame.index === 0 ? Deferred.succeed(started, pidsWithArgument(interrupted)[0] ?? 0) : Effect.never)),
          Effect.forkChild,
        );
        const pid = yield* Deferred.await(started);
        expect(alive(pid)).toBe(true);
        // Backpressure: with the consumer stalled, ffmpeg ends up blocked writing to its stdout (a
        // socket pair under Node, a pipe elsewhere), having written about the frames taken so far,
        // not the 1.4 GB the whole clip decodes to.
        const blocked = yield* Effect.promise(() => waitUntil(() => /pipe_write|sock_alloc_send|unix_stream/.test(readProc(pid, "wchan"))));
        expect(blocked).toBe(true);
        const written = Number(/wchar:\s*(\d+)/.exec(readProc(pid, "io"))?.[1]);
        expect(written).toBeLessThan(6 * 768 * 432 * 3);
        yield* Fiber.interrupt(consumer);
        return pid;
      }),
    );
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
    expect(pidsWithArgument(interrupted)).toEqual([]);
  });
});
