import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { paintBackground, paintFigure, parseMot } from "@parallax/domain/tracking";
import { findOnPath } from "@parallax/adapters/tracking";

const repoRoot = resolve(import.meta.dirname, "../../../..");
const out = mkdtempSync(join(tmpdir(), "track-cli-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const ffmpeg = findOnPath("ffmpeg");
if (!ffmpeg) process.stdout.write("skipped: no ffmpeg on PATH\n");

function cli(args: string[], env: Record<string, string> = {}) {
  return promisify(execFile)(process.execPath, ["--conditions=source", "--import", "tsx", "apps/worker/src/cli.ts", ...args], { cwd: repoRoot, timeout: 60_000, env: { ...process.env, ...env } });
}

describe.skipIf(!ffmpeg)("parallax track and detect", () => {
  it("track --env demo runs a task to COMPLETED with a progress line and writes one result line per frame index", async () => {
    const { stdout, stderr } = await cli(["track", "--env", "demo", "--out", out]);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ environment_id: "demo", status: "COMPLETED" });
    expect(stderr).toMatch(/COMPLETED .* 480\/480 camera-frames [\d.]+\/s/);
    const lines = readFileSync(summary.results, "utf8").trim().split("\n").map((line) => JSON.parse(line));
    expect(lines).toHaveLength(120);
    expect(Object.keys(lines[0].cameras)).toEqual(["cam1", "cam2", "cam3", "cam4"]);
  }, 60_000);

  it("detect numbers frames as MOTChallenge does: 000001.jpg, or a video's first frame, is frame 1", async () => {
    const images = join(out, "img1");
    mkdirSync(images, { recursive: true });
    const [w, h] = [160, 120];
    const raw: Uint8Array[] = [];
    for (let t = 0; t < 8; t++) {
      const frame = new Uint8Array(3 * w * h);
      paintBackground(frame, w, h, 2);
      // Nobody in the first frame (the background); a figure from the second on.
      if (t > 0) paintFigure(frame, w, h, [20 + 8 * t, 40, 40 + 8 * t, 100], { shirt: [200, 30, 30], trousers: [30, 40, 160] });
      raw.push(frame);
    }
    const rawFile = join(out, "frames.rgb");
    writeFileSync(rawFile, Buffer.concat(raw));
    const input = ["-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", `${w}x${h}`, "-r", "10", "-i", rawFile];
    execFileSync(ffmpeg!, [...input, "-q:v", "2", "-start_number", "1", join(images, "%06d.jpg")]);
    execFileSync(ffmpeg!, [...input, "-pix_fmt", "yuv420p", "-y", join(out, "walk.mp4")]);
    for (const source of [["--images", images], ["--video", join(out, "walk.mp4")]]) {
      const det = join(out, `det-${source[0]!.slice(2)}.txt`);
      await cli(["detect", ...source, "--out", det]);
      const rows = parseMot(readFileSync(det, "utf8"));
      const frames = [...new Set(rows.map((r) => r.frame))].sort((a, b) => a - b);
      expect(frames, source[0]).toEqual([2, 3, 4, 5, 6, 7, 8]);
      const at = rows.find((r) => r.frame === 5)!;
      expect(at.x).toBeCloseTo(20 + 8 * 4, -1);
      expect(rows.every((r) => r.id === -1)).toBe(true);
    }
  }, 60_000);
});
