import * as Effect from "effect/Effect";
import * as Fiber from "effect/Fiber";
import * as Queue from "effect/Queue";
import * as Stream from "effect/Stream";
import type * as Cause from "effect/Cause";
import { VideoDecodeFailed, type Frame, type FrameSource, type FrameSourceOptions, type VideoInfo } from "@parallax/application/tracking";
import { locateFfmpeg } from "./ffmpeg-binary.js";
import { parseProbe } from "./ffmpeg-probe.js";
import { DiagnosticTail, parseStderrLine, type ShowinfoFrame } from "./ffmpeg-stderr.js";
import { spawnScoped, type ScopedProcess } from "./scoped-process.js";

export interface FfmpegFrameSourceOptions {
  /** ffmpeg to run; by default the system's, else @ffmpeg-installer's. */
  readonly ffmpegPath?: string;
  /** Between SIGTERM and SIGKILL when a stream is ended early. */
  readonly killGraceMs?: number;
  /**
   * `fail` (default): the first corrupt packet ends the stream with ffmpeg's reason (-xerror), so
   * a damaged video fails its task instead of silently yielding fewer frames. `skip` lets ffmpeg
   * conceal and go on.
   */
  readonly decodeErrors?: "fail" | "skip";
}

/** The ffmpeg arguments for one video: raw RGB24 frames on stdout, one showinfo line per frame. */
export function ffmpegArguments(video: string, options: FrameSourceOptions, decodeErrors: "fail" | "skip"): string[] {
  const filters: string[] = [];
  if (options.fps !== undefined) filters.push(`fps=${options.fps}`);
  if (options.width !== undefined || options.height !== undefined) {
    filters.push(`scale=${options.width ?? -2}:${options.height ?? -2}:flags=bilinear`);
  }
  filters.push("showinfo=checksum=0");
  return [
    "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info",
    ...(decodeErrors === "fail" ? ["-xerror"] : []),
    // Before -i: ffmpeg jumps to the keyframe before and decodes from there, discarding up to the time.
    ...(options.startMs !== undefined ? ["-ss", (options.startMs / 1000).toFixed(3)] : []),
    "-i", video,
    "-map", "0:v:0", "-an", "-sn", "-dn",
    "-vf", filters.join(","),
    // One output frame per filtered frame: no duplicates or drops after showinfo has counted them.
    "-vsync", "passthrough",
    ...(options.maxFrames !== undefined ? ["-frames:v", String(options.maxFrames)] : []),
    "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
  ];
}

/**
 * Decodes with ffmpeg over a pipe. Timestamps are exact: each frame's pts and the filter's time
 * base come from showinfo, so they hold for variable frame rates and after fps sampling alike
 * (which makes them k / fps from the first sampled frame). The frame size is the one showinfo
 * reports for the first frame, which is what ffmpeg writes for every frame of the run.
 */
export class FfmpegFrameSource implements FrameSource {
  constructor(private readonly options: FfmpegFrameSourceOptions = {}) {}

  probe(video: string): Effect.Effect<VideoInfo, VideoDecodeFailed> {
    const { ffmpegPath, killGraceMs = 2_000 } = this.options;
    const failed = (message: string, exitCode: number | null) => new VideoDecodeFailed({ video, message, exitCode });
    return Effect.scoped(
      Effect.gen(function* () {
        const binary = ffmpegPath ?? (yield* locateFfmpeg);
        // No output named: ffmpeg describes the input, then exits complaining about the output.
        const process = yield* spawnScoped(binary, ["-hide_banner", "-nostdin", "-i", video], killGraceMs).pipe(
          Effect.mapError((error) => failed(`cannot start ffmpeg (${binary}): ${error.message}`, null)),
        );
        const banner = yield* process.stderr.pipe(Stream.decodeText(), Stream.mkString, Effect.orElseSucceed(() => ""));
        const { exitCode } = yield* process.closed;
        const described = parseProbe(banner);
        if (described !== undefined) return described;
        const diagnostics = new DiagnosticTail();
        for (const line of banner.split(/\r?\n/)) {
          const parsed = parseStderrLine(line);
          if (parsed.kind === "diagnostic" && !line.startsWith("At least one output file")) diagnostics.push(parsed.text);
        }
        return yield* Effect.fail(failed(diagnostics.reason("ffmpeg found no video stream"), exitCode));
      }),
    );
  }

  /**
   * One ffmpeg for all the videos (`-i a -i b …`): it describes each input in turn before
   * complaining that no output was named. Starting Debian's ffmpeg (200-odd shared libraries)
   * costs ~50 ms of CPU, more than reading a header. When an input cannot be read ffmpeg stops
   * there, so the videos are then probed one by one, which names the failing video with ffmpeg's
   * reason exactly as `probe` does.
   */
  probeAll(videos: readonly string[]): Effect.Effect<VideoInfo[], VideoDecodeFailed> {
    if (videos.length <= 1) return Effect.forEach(videos, (video) => this.probe(video));
    const { ffmpegPath, killGraceMs = 2_000 } = this.options;
    const oneByOne = Effect.forEach(videos, (video) => this.probe(video));
    return Effect.scoped(
      Effect.gen(function* () {
        const binary = ffmpegPath ?? (yield* locateFfmpeg);
        const process = yield* spawnScoped(binary, ["-hide_banner", "-nostdin", ...videos.flatMap((video) => ["-i", video])], killGraceMs).pipe(Effect.option);
        if (process._tag === "None") return undefined;
        const banner = yield* process.value.stderr.pipe(Stream.decodeText(), Stream.mkString, Effect.orElseSucceed(() => ""));
        yield* process.value.closed;
        const described = inputSections(banner, videos.length).map((section) => (section === undefined ? undefined : parseProbe(section)));
        return described.every((info) => info !== undefined) ? (described as VideoInfo[]) : undefined;
      }),
    ).pipe(Effect.flatMap((infos) => (infos === undefined ? oneByOne : Effect.succeed(infos))));
  }

  frames(video: string, options: FrameSourceOptions = {}): Stream.Stream<Frame, VideoDecodeFailed> {
    const { ffmpegPath, killGraceMs = 2_000, decodeErrors = "fail" } = this.options;
    const failed = (message: string, exitCode: number | null) => new VideoDecodeFailed({ video, message, exitCode });
    return Stream.unwrap(
      Effect.gen(function* () {
        const binary = ffmpegPath ?? (yield* locateFfmpeg);
        const process = yield* spawnScoped(binary, ffmpegArguments(video, options, decodeErrors), killGraceMs).pipe(
          Effect.mapError((error) => failed(`cannot start ffmpeg (${binary}): ${error.message}`, null)),
        );
        const diagnostics = new DiagnosticTail();
        const timeBase = { num: 0, den: 1 };
        const infos = yield* Queue.unbounded<ShowinfoFrame, Cause.Done>();
        const stderrRead = yield* readStderr(process, diagnostics, timeBase, infos).pipe(Effect.forkScoped);
        const first = yield* Queue.take(infos).pipe(Effect.catch(() => Effect.succeed(undefined)));
        const cutter = new FrameCutter(first === undefined ? 0 : 3 * first.width * first.height);
        // Joining the stderr reader first, so that the reason includes ffmpeg's last words.
        const outcome = Fiber.join(stderrRead).pipe(
          Effect.andThen(process.closed),
          Effect.flatMap(({ exitCode, signal }) => {
            if (exitCode !== 0) return Effect.fail(failed(diagnostics.reason(`ffmpeg exited with ${exitCode ?? signal}`), exitCode));
            return cutter.partial ? Effect.fail(failed("ffmpeg's output ended inside a frame", exitCode)) : Effect.void;
          }),
        );
        if (first === undefined) return Stream.fromEffectDrain(outcome);
        const toMs = (pts: number) => (pts * 1000 * timeBase.num) / timeBase.den;
        const pictures = process.stdout.pipe(
          Stream.mapError((error) => failed(`reading ffmpeg's output: ${error.message}`, null)),
          Stream.map((chunk) => cutter.push(chunk)),
          Stream.flattenIterable,
        );
        // Each picture takes the next showinfo line. Driven by the pictures (not a zip, which ends
        // with its shorter side): stderr's lines can all be read while the last picture is still
        // coming out of stdout, and ending then would cut that picture in half.
        let firstInfo: ShowinfoFrame | undefined = first;
        const nextInfo = Effect.suspend(() => {
          const info = firstInfo;
          firstInfo = undefined;
          return info ? Effect.succeed(info) : Queue.take(infos);
        }).pipe(Effect.catch(() => Effect.fail(failed("ffmpeg wrote a picture it did not report", null))));
        return pictures.pipe(
          Stream.mapEffect((data) => Effect.map(nextInfo, (info): Frame => ({ index: info.n, timestampMs: toMs(info.pts), width: first.width, height: first.height, data }))),
          Stream.concat(Stream.fromEffectDrain(outcome)),
        );
      }),
    );
  }
}

/** ffmpeg's banner cut at its `Input #k,` lines: the description of input k, or undefined if absent. */
export function inputSections(banner: string, inputs: number): (string | undefined)[] {
  const sections: (string | undefined)[] = Array.from({ length: inputs }, () => undefined);
  const starts = [...banner.matchAll(/^Input #(\d+), /gm)];
  starts.forEach((match, k) => {
    const input = Number(match[1]);
    if (input < inputs) sections[input] = banner.slice(match.index, starts[k + 1]?.index ?? banner.length);
  });
  return sections;
}

function readStderr(
  process: ScopedProcess, diagnostics: DiagnosticTail, timeBase: { num: number; den: number }, infos: Queue.Queue<ShowinfoFrame, Cause.Done>,
): Effect.Effect<void> {
  return process.stderr.pipe(
    Stream.decodeText(),
    Stream.splitLines,
    Stream.runForEach((line) => {
      const parsed = parseStderrLine(line);
      if (parsed.kind === "frame") return Queue.offer(infos, parsed.frame);
      if (parsed.kind === "timeBase") Object.assign(timeBase, { num: parsed.num, den: parsed.den });
      else if (parsed.kind === "diagnostic") diagnostics.push(parsed.text);
      return Effect.void;
    }),
    Effect.ignore,
    Effect.ensuring(Queue.end(infos)),
  );
}

/** Cuts the byte stream into frames; each frame gets its own buffer, so consumers may keep it. */
class FrameCutter {
  private current: Uint8Array;
  private filled = 0;

  constructor(private readonly frameBytes: number) {
    this.current = new Uint8Array(frameBytes);
  }

  get partial(): boolean {
    return this.filled > 0;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    const done: Uint8Array[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.frameBytes - this.filled, chunk.length - offset);
      this.current.set(chunk.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.frameBytes) {
        done.push(this.current);
        this.current = new Uint8Array(this.frameBytes);
        this.filled = 0;
      }
    }
    return done;
  }
}
