import { projectWorld } from "./camera.js";
import { iou } from "./geometry.js";
import { fitHomographyDlt, invertHomography } from "./homography.js";
import { SeededRandom } from "./random.js";
import { crossCameraIdf1, type CameraTracks, type SceneTrackingResult } from "./multi-camera.js";
import type { MotRow } from "./mot-format.js";
import type { SimulatedScene } from "./simulator.js";

/**
 * Test-side scores of a tracked scene against its ground truth: the oracle bound (the same
 * boxes, each labelled with the person it covers) and the floor-position error of the global ids.
 */

/** Person (gt id) behind each predicted box of a camera, by greedy IoU ≥ 0.5 per frame; -1 when none. */
export function personOfBoxes(camera: CameraTracks): number[] {
  const gtByFrame = new Map<number, MotRow[]>();
  for (const g of camera.groundTruth) {
    const list = gtByFrame.get(g.frame) ?? [];
    list.push(g);
    gtByFrame.set(g.frame, list);
  }
  const byFrame = new Map<number, number[]>();
  camera.global.forEach((r, k) => {
    const list = byFrame.get(r.frame) ?? [];
    list.push(k);
    byFrame.set(r.frame, list);
  });
  const person = new Array<number>(camera.global.length).fill(-1);
  for (const [frame, rows] of byFrame) {
    const gts = gtByFrame.get(frame) ?? [];
    const pairs: Array<[number, number, number]> = [];
    for (const k of rows) {
      const r = camera.global[k]!;
      for (const g of gts) {
        const overlap = iou([r.x, r.y, r.x + r.width, r.y + r.height], [g.x, g.y, g.x + g.width, g.y + g.height]);
        if (overlap >= 0.5) pairs.push([overlap, k, g.id]);
      }
    }
    pairs.sort((a, b) => b[0] - a[0]);
    const usedRow = new Set<number>(), usedGt = new Set<number>();
    for (const [, k, id] of pairs) {
      if (usedRow.has(k) || usedGt.has(id)) continue;
      usedRow.add(k);
      usedGt.add(id);
      person[k] = id;
    }
  }
  return person;
}

/** Cross-camera IDF1 of the same boxes labelled with their true person: what perfect association would reach. */
export function oracleCrossCameraIdf1(result: SceneTrackingResult): number {
  let spare = 1_000_000;
  const relabelled = result.cameras.map((camera) => {
    const person = personOfBoxes(camera);
    return { ...camera, global: camera.global.map((r, k) => ({ ...r, id: person[k]! >= 0 ? person[k]! : spare++ })) };
  });
  return crossCameraIdf1(relabelled);
}

/** Median distance (m) between each floor row and the true position of the person its global id covers most. */
export function medianFloorError(scene: SimulatedScene, result: SceneTrackingResult): number {
  const votes = new Map<number, Map<number, number>>();
  for (const camera of result.cameras) {
    const person = personOfBoxes(camera);
    camera.global.forEach((r, k) => {
      if (person[k]! < 0) return;
      const tally = votes.get(r.id) ?? new Map<number, number>();
      tally.set(person[k]!, (tally.get(person[k]!) ?? 0) + 1);
      votes.set(r.id, tally);
    });
  }
  const personOf = new Map<number, number>();
  for (const [id, tally] of votes) personOf.set(id, [...tally].sort((a, b) => b[1] - a[1])[0]![0]);
  const errors: number[] = [];
  for (const row of result.floor) {
    const person = personOf.get(row.globalId);
    if (person === undefined) continue;
    const truth = scene.positions[row.frame - 1]!;
    // Ground-truth ids are person index + 1.
    errors.push(Math.hypot(row.x - truth[2 * (person - 1)]!, row.y - truth[2 * (person - 1) + 1]!));
  }
  errors.sort((a, b) => a - b);
  return errors.length > 0 ? errors[Math.floor(errors.length / 2)]! : Number.NaN;
}

/**
 * The scene with every camera's image → floor homography refitted from calibration points whose
 * image positions are off by Gaussian noise of `pixels` (standard deviation): floor markers on a
 * 2 m grid that the camera sees, as a person clicking them would place them.
 */
export function withCalibrationNoise(scene: SimulatedScene, pixels: number, seed: number): SimulatedScene {
  const random = new SeededRandom(seed);
  const [w, d] = scene.config.floor;
  const cameras = scene.cameras.map((camera) => {
    const image: number[] = [], floor: number[] = [];
    for (let x = 1; x < w; x += 2) {
      for (let y = 1; y < d; y += 2) {
        const [u, v, depth] = projectWorld(camera, x, y, 0);
        if (depth < 0.5 || u < 0 || u > camera.width || v < 0 || v > camera.height) continue;
        image.push(u + random.normal(0, pixels), v + random.normal(0, pixels));
        floor.push(x, y);
      }
    }
    const imageToMap = fitHomographyDlt(image, floor);
    return { ...camera, imageToMap, mapToImage: invertHomography(imageToMap) };
  });
  return { ...scene, cameras };
}
