import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { run } from "./eval-scene.js";

/**
 * A scene small enough to score by hand: 2 cameras, 3 people standing still, 4 frames (fps 10).
 *
 * cam1 (calibrated by matrix: map = pixel / 100)
 *   p1 gt [100,200,150,300] f1–4, detected f1–4       → floor (1.25, 3.00)
 *   p2 gt [400,200,450,300] f1–4, detected f1, f2, f4 → floor (4.25, 3.00)   (missed at f3)
 *   a false detection [800,100,850,200] at f2, score 0.3 (low: no tracker keeps it)
 * cam2 (calibrated by 4 point pairs: map = pixel / 50 − 3)
 *   p1 gt [197.5,200,247.5,300] f1–4, detected f2–4   → floor (1.45, 3.00)   (missed at f1)
 *   p3 gt [625,250,675,350] f2–4, detected f2–4 as [630,250,680,350] (IoU 4500/5500 = 0.818)
 *                                                      → floor (10.10, 4.00)
 * Scores 0.9. Embeddings (dim 4): p1 e1 = (1,0,0,0) in cam1 but (0.6,0,0,0.8) in cam2 (cosine 0.6,
 * below the 0.65 threshold), p2 (0,1,0,0), p3 the same as p2 (a look-alike).
 * True floor (floor.txt, every frame): p1 (1.25, 3.30), p2 (4.25, 3.40), p3 (10.00, 4.50).
 *
 * Counts. gt boxes G = 8 (cam1) + 7 (cam2) = 15. Detections D = 8 + 6 = 14, of which 13 match a gt
 * box (all but the false one). Detection recall/precision: cam1 7/8, 7/8; cam2 6/7, 6/6.
 *
 * Oracle: the 13 matched detections carry their person's id, the false one an id of its own:
 * IDTP = 13 (p1 4 + 3, p2 3, p3 3), IDF1 = 2·13 / (15 + 14) = 26/29, IDP = 13/14, IDR = 13/15.
 *
 * Trackers (both behave alike here). A track born after frame 1 is reported from its second
 * frame, and a track without detection is not reported: cam1 reports p1 f1–4 and p2 f1, f2, f4;
 * cam2 reports p1 and p3 at f3, f4. P = 7 + 4 = 11 boxes.
 *
 * Appearance identities. f1: cam1's tracks become g1 (p1), g2 (p2). f3: cam2's p1 (cosine 0.6 with
 * g1) gets a new g3; cam2's p3 looks exactly like g2 and gets g2.
 *   Co-occurrences: p1–g1 4, p1–g3 2, p2–g2 3, p3–g2 2. Best one-to-one: p1–g1, p2–g2 → IDTP 7.
 *   IDF1 = 14/26, IDP = 7/11, IDR = 7/15; ratio to the oracle (14/26)/(26/29) = 406/676.
 *   Switches: p1 is matched to g1 alone at f2, then to g1 and g3 at f3: one new id → 1.
 *   Floor positions (mean map point per id and frame) and the person their boxes match:
 *     f1, f2: g1 (1.25,3) p1 → 0.3; g2 (4.25,3) p2 → 0.4
 *     f3: g1 → 0.3; g2 = cam2's p3 (10.1,4) → |(0.1, 0.5)| = √0.26; g3 = cam2's p1 (1.45,3) → |(0.2,0.3)| = √0.13
 *     f4: g1 → 0.3; g3 → √0.13; g2 = mean of (4.25,3) and (10.1,4) = (7.175,3.5), its boxes match p2
 *         (IoU 1) and p3 (IoU 0.818): one box each, p2 by the larger IoU → |(2.925, 0.1)| = √8.565625
 *   10 distances sorted: 0.3 ×4, √0.13 ×2, 0.4 ×2, √0.26, √8.565625.
 *   Median (numpy linear, position 4.5) = √0.13. p95 (position 8.55) = √0.26 + 0.55·(√8.565625 − √0.26).
 * Fused identities (floor association): at f3 cam2's p1 stands 0.2 m from g1's floor position, seen
 * right now by cam1 → g1 despite the weak appearance; cam2's p3 looks exactly like g2 but stands
 * 5.9 m from where g2 was one frame ago (no one walks that in 0.1 s): a new g3.
 *   Co-occurrences p1–g1 6, p2–g2 3, p3–g3 2 → IDTP 11: IDF1 22/26, IDP 1, IDR 11/15, ratio 638/676.
 *   No switches. Floor: f1, f2: 0.3, 0.4; f3: g1 = mean (1.35,3) → √0.1, g3 → √0.26;
 *   f4: g1 √0.1, g2 0.4, g3 √0.26. 9 distances sorted: 0.3 ×2, √0.1 ×2, 0.4 ×3, √0.26 ×2:
 *   median (position 4) 0.4, p95 (position 7.6) √0.26.
 */
const scene = mkdtempSync(join(tmpdir(), "eval-scene-"));
afterAll(() => rmSync(scene, { recursive: true, force: true }));

type Box = [number, number, number, number];
const xywh = ([x1, y1, x2, y2]: Box) => `${x1},${y1},${x2 - x1},${y2 - y1}`;
const box = { p1cam1: [100, 200, 150, 300], p2cam1: [400, 200, 450, 300], falsePositive: [800, 100, 850, 200], p1cam2: [197.5, 200, 247.5, 300], p3cam2: [625, 250, 675, 350], p3cam2detected: [630, 250, 680, 350] } satisfies Record<string, Box>;
const e1 = [1, 0, 0, 0], e1seenByCam2 = [0.6, 0, 0, 0.8], e2 = [0, 1, 0, 0], e3 = e2, noise = [0, 0, 1, 0];

function writeCamera(id: string, gt: Array<[number, number, Box]>, detections: Array<[number, Box, number, number[]]>) {
  mkdirSync(join(scene, id, "gt"), { recursive: true });
  mkdirSync(join(scene, id, "det"), { recursive: true });
  writeFileSync(join(scene, id, "gt", "gt.txt"), gt.map(([frame, person, b]) => `${frame},${person},${xywh(b)},1,1,1\n`).join(""));
  writeFileSync(join(scene, id, "det", "det.txt"), detections.map(([frame, b, score]) => `${frame},-1,${xywh(b)},${score},-1,-1,-1\n`).join(""));
  writeFileSync(join(scene, id, "det", "embeddings.f32"), Buffer.from(Float32Array.from(detections.flatMap(([, , , e]) => e)).buffer));
}

const frames = [1, 2, 3, 4];
writeCamera(
  "cam1",
  frames.flatMap((f) => [[f, 1, box.p1cam1], [f, 2, box.p2cam1]] as Array<[number, number, Box]>),
  frames.flatMap((f) => [
    [f, box.p1cam1, 0.9, e1],
    ...(f === 3 ? [] : [[f, box.p2cam1, 0.9, e2]]),
    ...(f === 2 ? [[f, box.falsePositive, 0.3, noise]] : []),
  ] as Array<[number, Box, number, number[]]>),
);
writeCamera(
  "cam2",
  frames.flatMap((f) => [[f, 1, box.p1cam2], ...(f >= 2 ? [[f, 3, box.p3cam2]] : [])] as Array<[number, number, Box]>),
  frames.filter((f) => f >= 2).flatMap((f) => [[f, box.p1cam2, 0.9, e1seenByCam2], [f, box.p3cam2detected, 0.9, e3]] as Array<[number, Box, number, number[]]>),
);
writeFileSync(join(scene, "floor.txt"), frames.map((f) => `${f},1,1.25,3.3\n${f},2,4.25,3.4\n${f},3,10,4.5\n`).join(""));
writeFileSync(join(scene, "calibration.json"), JSON.stringify({
  config: { fps: 10 },
  embeddingDim: 4,
  cameras: [
    { id: "cam1", imageToMap: [0.01, 0, 0, 0, 0.01, 0, 0, 0, 1] },
    { id: "cam2", image_points: [[150, 300], [400, 300], [150, 400], [400, 400]], map_points: [[0, 3], [5, 3], [0, 5], [5, 5]] },
  ],
}));

let printed = "";
afterEach(() => {
  vi.restoreAllMocks();
  printed = "";
});

async function evalScene(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((printed += String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((stderr += String(chunk)), true));
  const code = await run(args);
  vi.restoreAllMocks();
  return { code, stdout: printed, stderr };
}

const exact = 12;

describe("parallax eval-scene on a hand-scored scene", () => {
  for (const tracker of ["bytetrack", "botsort"] as const) {
    it(`${tracker}, appearance identities: the numbers computed by hand`, async () => {
      const { code, stdout } = await evalScene(["--scene", scene, "--tracker", tracker, "--identity", "appearance", "--json"]);
      expect(code).toBe(0);
      const out = JSON.parse(stdout);
      expect(out).toMatchObject({ tracker, identity: "appearance", frames: 4, gt_people: 3, global_ids: 3, global_id_switches: 1, cross_camera_idtp: 7, map_error_pairs: 10, map_unmatched: 0 });
      expect(out.cross_camera_idf1).toBeCloseTo(14 / 26, exact);
      expect(out.cross_camera_idp).toBeCloseTo(7 / 11, exact);
      expect(out.cross_camera_idr).toBeCloseTo(7 / 15, exact);
      expect(out.oracle_cross_camera_idf1).toBeCloseTo(26 / 29, exact);
      expect(out.oracle_cross_camera_idp).toBeCloseTo(13 / 14, exact);
      expect(out.oracle_cross_camera_idr).toBeCloseTo(13 / 15, exact);
      expect(out.ratio_to_oracle).toBeCloseTo(406 / 676, exact);
      expect(out.map_error_median_m).toBeCloseTo(Math.sqrt(0.13), 9);
      expect(out.map_error_p95_m).toBeCloseTo(Math.sqrt(0.26) + 0.55 * (Math.sqrt(8.565625) - Math.sqrt(0.26)), 9);
      expect(out.per_camera.map((c: Record<string, unknown>) => [c.camera, c.homography_from, c.gt_boxes, c.detections, c.num_predictions])).toEqual([
        ["cam1", "matrix", 8, 8, 7],
        ["cam2", "point pairs", 7, 6, 4],
      ]);
      const [cam1, cam2] = out.per_camera;
      expect([cam1.detection_recall, cam1.detection_precision, cam2.detection_recall, cam2.detection_precision]).toEqual([7 / 8, 7 / 8, 6 / 7, 1]);
      // cam1's global labels are all right (IDTP 7 of 8 + 7); cam2's: p1–g3 2, p3–g2 2 of 7 + 4.
      expect(cam1.global_idf1).toBeCloseTo(14 / 15, exact);
      expect(cam2.global_idf1).toBeCloseTo(8 / 11, exact);
    });

    it(`${tracker}, fused identities: the numbers computed by hand`, async () => {
      const { code, stdout } = await evalScene(["--scene", scene, "--tracker", tracker, "--identity", "fused", "--json"]);
      expect(code).toBe(0);
      const out = JSON.parse(stdout);
      expect(out).toMatchObject({ identity: "fused", global_ids: 3, global_id_switches: 0, cross_camera_idtp: 11, map_error_pairs: 9, map_unmatched: 0 });
      expect(out.cross_camera_idf1).toBeCloseTo(22 / 26, exact);
      expect(out.cross_camera_idp).toBeCloseTo(1, exact);
      expect(out.cross_camera_idr).toBeCloseTo(11 / 15, exact);
      expect(out.oracle_cross_camera_idf1).toBeCloseTo(26 / 29, exact);
      expect(out.ratio_to_oracle).toBeCloseTo(638 / 676, exact);
      expect(out.map_error_median_m).toBeCloseTo(0.4, 9);
      expect(out.map_error_p95_m).toBeCloseTo(Math.sqrt(0.26), 9);
    });
  }

  it("prints a readable summary without --json", async () => {
    const { code, stdout } = await evalScene(["--scene", scene, "--identity", "appearance"]);
    expect(code).toBe(0);
    expect(stdout).toContain("cross-camera IDF1 0.538 (IDP 0.636, IDR 0.467); oracle 0.897");
    expect(stdout).toMatch(/^cam2 +0\.857 +1\.000 /m);
  });

  it("refuses bad flags and names a broken file", async () => {
    expect((await evalScene(["--scene", scene, "--identity", "magic"])).code).toBe(2);
    expect((await evalScene([])).stderr).toContain("--scene is required");
    const broken = mkdtempSync(join(tmpdir(), "eval-scene-broken-"));
    try {
      writeFileSync(join(broken, "calibration.json"), JSON.stringify({ cameras: [{ id: "cam1" }] }));
      const { code, stderr } = await evalScene(["--scene", broken]);
      expect(code).toBe(1);
      expect(stderr).toContain("calibration.json");
      expect(stderr).toContain("imageToMap");
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});
