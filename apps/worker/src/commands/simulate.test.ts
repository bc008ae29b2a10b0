import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { bottomCentre, parseMot, projectPoint } from "@parallax/domain/tracking";

const repoRoot = resolve(import.meta.dirname, "../../../..");
const out = mkdtempSync(join(tmpdir(), "simulate-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function cli(args: string[]) {
  return promisify(execFile)(process.execPath, ["--conditions=source", "--import", "tsx", "apps/worker/src/cli.ts", ...args], { cwd: repoRoot, timeout: 30_000 });
}

describe("parallax simulate", () => {
  it("writes per-camera ground truth, detections, embeddings and homographies", async () => {
    const { stdout } = await cli(["simulate", "--cameras", "3", "--people", "8", "--frames", "50", "--seed", "4", "--out", out]);
    expect(JSON.parse(stdout).cameras).toHaveLength(3);
    const calibration = JSON.parse(readFileSync(join(out, "calibration.json"), "utf8"));
    expect(calibration.cameras.map((c: { id: string }) => c.id)).toEqual(["cam1", "cam2", "cam3"]);
    const gt = parseMot(readFileSync(join(out, "cam2", "gt", "gt.txt"), "utf8"));
    const detections = parseMot(readFileSync(join(out, "cam2", "det", "det.txt"), "utf8"));
    expect(gt.length).toBeGreaterThan(0);
    expect(Math.max(...gt.map((r) => r.frame))).toBeLessThanOrEqual(50);
    expect(detections.every((r) => r.id === -1 && r.confidence > 0 && r.confidence < 1)).toBe(true);
    const embeddings = readFileSync(join(out, "cam2", "det", "embeddings.f32"));
    expect(embeddings.byteLength).toBe(detections.length * calibration.embeddingDim * 4);
    // Boxes of one person in one frame seen by two cameras land on the same floor point.
    const rows = [0, 1, 2].map((c) => parseMot(readFileSync(join(out, `cam${c + 1}`, "gt", "gt.txt"), "utf8")));
    const floor = (row: (typeof gt)[number], c: number) =>
      projectPoint(calibration.cameras[c].imageToMap, ...bottomCentre([row.x, row.y, row.x + row.width, row.y + row.height]));
    let compared = 0;
    for (const [a, b] of [[0, 1], [0, 2], [1, 2]] as const) {
      for (const r of rows[a]!) {
        const s = rows[b]!.find((x) => x.frame === r.frame && x.id === r.id);
        if (!s) continue;
        const [p, q] = [floor(r, a), floor(s, b)];
        expect(Math.hypot(p[0] - q[0], p[1] - q[1])).toBeLessThan(0.01);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(0);
  });

  it("rejects bad numbers", async () => {
    await expect(cli(["simulate", "--out", out, "--people", "-3"])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("--people") });
  });
});
