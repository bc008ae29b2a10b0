import { spawn, type ChildProcess } from "node:child_process";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import { locateFfmpeg } from "./ffmpeg-binary.js";

/**
 * Writes an H.264 mp4 from raw RGB24 frames piped to ffmpeg (`-c:v libx264 -pix_fmt yuv420p`),
 * the format the frame source and every player read. The encoder's life is the scope's: `finish`
 * closes its input and waits for a clean exit; a scope closed before that (an error, an
 * interruption) kills it, so an abandoned rendering never leaves an ffmpeg behind.
 */
export interface VideoWriterOptions {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
}

export interface VideoWriter {
  /** One frame, `3 × width × height` bytes; waits while ffmpeg's input pipe is full. */
  write(rgb: Uint8Array): Effect.Effect<void, Error>;
  /** Ends the input and waits for the file to be complete. */
  readonly finish: Effect.Effect<void, Error>;
}

export function openVideoWriter(file: string, options: VideoWriterOptions): Effect.Effect<VideoWriter, Error, Scope.Scope> {
  const { width, height, fps } = options;
  const args = [
    "-hide_banner", "-loglevel", "error", "-nostdin",
    "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", `${width}x${height}`, "-r", String(fps), "-i", "pipe:0",
    "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-y", file,
  ];
  return Effect.flatMap(locateFfmpeg, (ffmpeg) =>
    Effect.acquireRelease(
      Effect.sync(() => {
        const child = spawn(ffmpeg, args, { stdio: ["pipe", "ignore", "pipe"] });
        const stderr: string[] = [];
        child.stderr!.setEncoding("utf8").on("data", (text: string) => stderr.push(text));
        // Errors surface through `exit` and the write callbacks; a listener keeps Node from throwing them.
        child.on("error", () => {});
        child.stdin!.on("error", () => {});
        const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
        return { child, stderr, exited };
      }),
      ({ child, exited }) => Effect.promise(() => kill(child, exited)),
    ).pipe(
      Effect.map(({ child, stderr, exited }): VideoWriter => {
        const failure = (what: string) => new Error(`ffmpeg could not ${what} ${file}: ${stderr.join("").trim() || "no reason given"}`);
        return {
          write: (rgb) =>
            rgb.length !== 3 * width * height
              ? Effect.fail(new Error(`a frame of ${width}×${height} RGB24 has ${3 * width * height} bytes, not ${rgb.length}`))
              : Effect.callback<void, Error>((resume) => {
                  child.stdin!.write(rgb, (error) => resume(error ? Effect.fail(failure("encode")) : Effect.void));
                }),
          finish: Effect.callback<void, Error>((resume) => {
            child.stdin!.end();
            void exited.then((code) => resume(code === 0 ? Effect.void : Effect.fail(failure("write"))));
          }),
        };
      }),
    ),
  );
}

async function kill(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.stdin?.destroy();
    child.kill("SIGKILL");
  }
  await exited;
}
