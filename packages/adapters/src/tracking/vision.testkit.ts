/**
 * Test support for the vision adapters: where the shared video and models are (tests skip with a
 * printed reason where they are absent), a check for ffmpeg, small videos made with ffmpeg, and
 * finding a running process by a word of its command line.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { findOnPath } from "./ffmpeg-binary.js";

/** ../shared beside the checkout (as tests/shared-fixtures.testkit.ts, which this package cannot import). */
const sharedRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../../shared");

export const CLIP = "data/video/one-by-one-person-detection.mp4";
export const YOLOX = "models/yolox_nano_coco_416.onnx";
export const OSNET = "models/osnet_x0_25_msmt17.onnx";

export const ffmpeg = findOnPath("ffmpeg");

/** Why a test cannot run here, or undefined when it can; printed once per missing thing. */
export function missing(needs: { ffmpeg?: boolean; shared?: readonly string[] }): string | undefined {
  const reasons: string[] = [];
  if (needs.ffmpeg && ffmpeg === undefined) reasons.push("no ffmpeg on PATH");
  for (const file of needs.shared ?? []) if (!existsSync(shared(file))) reasons.push(`../shared/${file} is absent`);
  if (reasons.length === 0) return undefined;
  const reason = reasons.join("; ");
  process.stdout.write(`skipped: ${reason}\n`);
  return reason;
}

export function shared(file: string): string {
  return join(sharedRoot, file);
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `parallax-${prefix}-`));
}

/** An mp4 made by ffmpeg from one of its test sources (e.g. `color=c=red:size=64x48:rate=10`). */
export function makeVideo(dir: string, name: string, source: string, seconds: number): string {
  const file = join(dir, name);
  execFileSync(ffmpeg!, ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", source, "-t", String(seconds), "-pix_fmt", "yuv420p", "-y", file]);
  return file;
}

/** Pids of live (not zombie) processes whose command line contains `needle`. */
export function pidsWithArgument(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (cmdline.includes(needle) && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z") pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of this process's live ffmpeg children (what a cancelled or failed task must not leave). */
export function ffmpegChildren(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (name.startsWith("ffmpeg") && Number(ppid) === process.pid && state !== "Z") pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}
