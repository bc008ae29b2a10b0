import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const repoRoot = resolve(import.meta.dirname, "../../../..");
const dataDir = resolve(repoRoot, "../shared/data/mot");
const haveData = existsSync(`${dataDir}/TUD-Campus/gt.txt`);
if (!haveData) console.warn(`skipping mot-eval CLI oracle test: ${dataDir} is absent`);

function cli(args: string[]) {
  return promisify(execFile)(process.execPath, ["--conditions=source", "--import", "tsx", "apps/worker/src/cli.ts", ...args], {
    cwd: repoRoot,
    timeout: 30_000,
  });
}

const keys = ["idf1", "idp", "idr", "recall", "precision", "mota", "motp", "num_false_positives", "num_misses", "num_switches",
  "num_fragmentations", "mostly_tracked", "partially_tracked", "mostly_lost", "hota", "deta", "assa", "loca"];

describe("parallax mot-eval", () => {
  it.skipIf(!haveData)("prints the MANIFEST values for TUD-Stadtmitte and TUD-Campus", async () => {
    const campus = JSON.parse((await cli(["mot-eval", "--gt", "../shared/data/mot/TUD-Campus/gt.txt", "--pred", "../shared/data/mot/TUD-Campus/test.txt"])).stdout);
    expect(Object.keys(campus).sort()).toEqual([...keys].sort());
    expect(campus.hota).toBeCloseTo(0.391397, 3);
    expect(campus.idf1).toBeCloseTo(0.557659, 3);
    expect(campus.num_switches).toBe(7);
    const { stdout } = await cli(["mot-eval", "--gt", `${dataDir}/TUD-Stadtmitte/gt.txt`, "--pred", `${dataDir}/TUD-Stadtmitte/test.txt`]);
    const result = JSON.parse(stdout);
    const expected: Record<string, number> = {
      idf1: 0.644619, idp: 0.81976, idr: 0.531142, recall: 0.608997, precision: 0.93992, mostly_tracked: 5,
      partially_tracked: 4, mostly_lost: 1, num_false_positives: 45, num_misses: 452, num_switches: 7,
      num_fragmentations: 6, mota: 0.564014, motp: 0.345904, hota: 0.397849, deta: 0.392268, assa: 0.408841, loca: 0.737521,
    };
    for (const [key, value] of Object.entries(expected)) expect(Math.abs(result[key] - value), key).toBeLessThanOrEqual(1e-3);
  });

  it("rejects missing arguments and malformed files with a message", async () => {
    await expect(cli(["mot-eval", "--gt", "x.txt"])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("--pred") });
    const dir = mkdtempSync(join(tmpdir(), "mot-eval-"));
    writeFileSync(join(dir, "gt.txt"), "1,1,0,0,10,10,1\n");
    writeFileSync(join(dir, "bad.txt"), "1,1,0,0,ten,10,1\n");
    await expect(cli(["mot-eval", "--gt", join(dir, "gt.txt"), "--pred", join(dir, "bad.txt")])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("bad.txt: line 1"),
    });
  });
});
