import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { bottomCentre, parseMot, projectPoint } from "@parallax/domain/tracking";
import { run } from "./simulate.js";

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

describe("parallax simulate: the robustness variants (issue 9)", () => {
  const variants = mkdtempSync(join(tmpdir(), "simulate-variants-"));
  afterAll(() => rmSync(variants, { recursive: true, force: true }));
  const small = ["--cameras", "3", "--people", "8", "--frames", "40", "--seed", "4"];
  const cameraFiles = ["gt/gt.txt", "det/det.txt", "det/embeddings.f32"];
  const digest = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
  const calibrationOf = (dir: string) => JSON.parse(readFileSync(join(dir, "calibration.json"), "utf8"));
  const simulate = async (name: string, flags: string[]) => {
    const out = join(variants, name);
    await run([...small, ...flags, "--out", out]);
    return out;
  };
  let printed: string[] = [];
  beforeAll(() => {
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (printed.push(String(chunk)), true));
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (printed.push(String(chunk)), true));
  });
  afterAll(() => {
    vi.restoreAllMocks();
    printed = [];
  });

  it("keeps the default scene's files byte for byte (digests recorded before the variants existed)", async () => {
    const out = join(variants, "default");
    expect(await run(["--out", out])).toBe(0);
    const recorded: Record<string, string> = {
      "cam1/det/det.txt": "4e63e1cf58bc08e4d896263c6a069783adfc806b5f21a90a0b48b53f2dc0b97e",
      "cam1/det/embeddings.f32": "0dc6b3fee86828edee1bc1c9b5f700d327d70f19846f31a601ec7f62a8dddd7e",
      "cam1/gt/gt.txt": "62eccf02128345cbd68ccf4fe08d43a6c22174ce490ca57c8ecf703729238733",
      "cam2/det/det.txt": "beb93b2fdf240e647973603205c1bb3dbcfe7d8f3b6ba9fbffc1b22cafb5f8de",
      "cam2/det/embeddings.f32": "cd660261bb3c2c0d2d62a51fdbfd0db50d87c9b39e18829590453efaec16746d",
      "cam2/gt/gt.txt": "fd8a895102640936b68bf96dc77e592186c0da45baca7283058f951d04ce8f03",
      "cam3/det/det.txt": "d9ff41f6e1064973da5075e073a9158447049e44ebc84011f683ad59129b0486",
      "cam3/det/embeddings.f32": "d4bcc0501fd668967f69c33ccef674697c911d1841e8492144e011456dadc5e8",
      "cam3/gt/gt.txt": "037f6417d8a9dfbb7012531e57586e1121b1d5ea758f2668a4cd87c5ff84b2fa",
      "cam4/det/det.txt": "85e666c60f1ab892ff731a6ee56906654500afa103906b1c7600beeb07ba09ab",
      "cam4/det/embeddings.f32": "76d41c4194c9f7ff1cd7b79c2e77912f70bdcb3efcfc2643a31b4eb6c92bf56f",
      "cam4/gt/gt.txt": "1b516b5ef167014bb230982013247a0422d95010a284c7dd995cb846b9ecec6e",
    };
    for (const [file, sha] of Object.entries(recorded)) expect(digest(join(out, file)), file).toBe(sha);
    // calibration.json only gained the point pairs: without them it is the file written before.
    const calibration = calibrationOf(out);
    for (const camera of calibration.cameras) {
      expect(camera.image_points.length, camera.id).toBeGreaterThanOrEqual(20);
      expect(camera.map_points).toHaveLength(camera.image_points.length);
      delete camera.image_points;
      delete camera.map_points;
    }
    expect(createHash("sha256").update(`${JSON.stringify(calibration, null, 2)}\n`).digest("hex")).toBe("952c621ee43d9feb78502c4a14eee300913aea3619450ebec99157cab0481f22");
    const floor = readFileSync(join(out, "floor.txt"), "utf8").trim().split("\n");
    expect(floor).toHaveLength(600 * 20);
    expect(floor[0]).toMatch(/^1,1,\d+(\.\d+)?,\d+(\.\d+)?$/);
  }, 60_000);

  it("--calibration-noise moves only the image points, by about the given pixels", async () => {
    const [plain, noisy] = [await simulate("plain", []), await simulate("noisy", ["--calibration-noise", "5"])];
    for (const camera of ["cam1", "cam2", "cam3"]) for (const file of cameraFiles) expect(digest(join(noisy, camera, file)), `${camera}/${file}`).toBe(digest(join(plain, camera, file)));
    expect(digest(join(noisy, "floor.txt"))).toBe(digest(join(plain, "floor.txt")));
    const [before, after] = [calibrationOf(plain), calibrationOf(noisy)];
    expect(after.calibrationNoisePx).toBe(5);
    const offsets: number[] = [];
    before.cameras.forEach((camera: { imageToMap: number[]; image_points: number[][]; map_points: number[][] }, c: number) => {
      expect(after.cameras[c].imageToMap).toEqual(camera.imageToMap);
      expect(after.cameras[c].map_points).toEqual(camera.map_points);
      const moved: number[][] = after.cameras[c].image_points;
      camera.image_points.forEach((p, k) => offsets.push(moved[k]![0]! - p[0]!, moved[k]![1]! - p[1]!));
    });
    const rms = Math.sqrt(offsets.reduce((s, d) => s + d * d, 0) / offsets.length);
    expect(rms).toBeGreaterThan(4);
    expect(rms).toBeLessThan(6);
  });

  it("--clock-offset shifts the named camera's rows only", async () => {
    const [plain, shifted] = [await simulate("plain2", []), await simulate("shifted", ["--clock-offset", "cam2:1"])];
    for (const camera of ["cam1", "cam3"]) for (const file of cameraFiles) expect(digest(join(shifted, camera, file)), `${camera}/${file}`).toBe(digest(join(plain, camera, file)));
    for (const file of ["gt/gt.txt", "det/det.txt"]) {
      const expected = parseMot(readFileSync(join(plain, "cam2", file), "utf8")).filter((r) => r.frame < 40).map((r) => ({ ...r, frame: r.frame + 1 }));
      expect(parseMot(readFileSync(join(shifted, "cam2", file), "utf8")), file).toEqual(expected);
    }
    const kept = parseMot(readFileSync(join(plain, "cam2", "det/det.txt"), "utf8")).filter((r) => r.frame < 40).length;
    const dim = calibrationOf(plain).embeddingDim;
    expect(readFileSync(join(shifted, "cam2", "det/embeddings.f32")).subarray(0, kept * dim * 4)).toEqual(readFileSync(join(plain, "cam2", "det/embeddings.f32")).subarray(0, kept * dim * 4));
    await expect(run([...small, "--clock-offset", "cam2", "--out", join(variants, "bad")])).resolves.toBe(2);
    await expect(run([...small, "--clock-offset", "cam9:1", "--out", join(variants, "bad")])).resolves.toBe(1);
    expect(printed.at(-1)).toContain("no camera 'cam9'");
  });

  it("--layout disjoint: no floor point or person is seen by two cameras at once", async () => {
    const out = await simulate("disjoint", ["--layout", "disjoint", "--frames", "200"]);
    const seen = new Map<string, string>();
    const mapPoints = new Map<string, string>();
    for (const camera of ["cam1", "cam2", "cam3"]) {
      const gt = parseMot(readFileSync(join(out, camera, "gt", "gt.txt"), "utf8"));
      expect(gt.length, camera).toBeGreaterThan(0);
      for (const r of gt) {
        const key = `${r.frame}|${r.id}`;
        expect(seen.get(key), `${key} in ${camera}`).toBeUndefined();
        seen.set(key, camera);
      }
    }
    for (const camera of calibrationOf(out).cameras) {
      for (const p of camera.map_points) {
        expect(mapPoints.get(String(p)), `${p} in ${camera.id}`).toBeUndefined();
        mapPoints.set(String(p), camera.id);
      }
    }
    // The same people with overlapping views are seen twice at once, often.
    const overlap = await simulate("overlap", ["--frames", "200"]);
    const keys = ["cam1", "cam2", "cam3"].flatMap((camera) => parseMot(readFileSync(join(overlap, camera, "gt", "gt.txt"), "utf8")).map((r) => `${r.frame}|${r.id}`));
    expect(keys.length - new Set(keys).size).toBeGreaterThan(50);
  });

  it("--lookalikes dresses people more alike", async () => {
    const out = await simulate("lookalikes", ["--lookalikes"]);
    expect(calibrationOf(out).config.appearance).toMatchObject({ groups: 2, individuality: 0.35 });
  });
});
