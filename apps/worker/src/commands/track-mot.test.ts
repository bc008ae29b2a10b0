import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { evaluateMot, parseMot } from "@parallax/domain/tracking";

const repoRoot = resolve(import.meta.dirname, "../../../..");
const dataDir = resolve(repoRoot, "../shared/data/mot");
const haveData = existsSync(`${dataDir}/TUD-Stadtmitte/test.txt`);
if (!haveData) console.warn(`skipping track-mot on TUD-Stadtmitte: ${dataDir} is absent`);

function cli(args: string[]) {
  return promisify(execFile)(process.execPath, ["--conditions=source", "--import", "tsx", "apps/worker/src/cli.ts", ...args], {
    cwd: repoRoot,
    timeout: 30_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}

describe("parallax track-mot", () => {
  it.skipIf(!haveData)("tracks TUD-Stadtmitte detections (ids removed) with both trackers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "track-mot-"));
    const detections = readFileSync(`${dataDir}/TUD-Stadtmitte/test.txt`, "utf8").replace(/^(\d+),\d+,/gm, "$1,-1,");
    writeFileSync(join(dir, "det.txt"), detections);
    const gt = parseMot(readFileSync(`${dataDir}/TUD-Stadtmitte/gt.txt`, "utf8"));
    for (const tracker of ["bytetrack", "botsort"]) {
      const { stdout } = await cli(["track-mot", "--det", join(dir, "det.txt"), "--tracker", tracker, "--fps", "25"]);
      const tracks = parseMot(stdout);
      expect(new Set(tracks.map((r) => r.id)).size).toBeGreaterThan(5);
      expect(evaluateMot(gt, tracks).idf1).toBeGreaterThanOrEqual(0.65);
    }
  });

  it("rejects an unknown tracker", async () => {
    await expect(cli(["track-mot", "--det", "x.txt", "--tracker", "sort"])).rejects.toMatchObject({ code: 2 });
  });
});
