import { motRow, type MotRow } from "./mot-format.js";
import type { CalibrationPairs } from "./scene-calibration.js";
import type { SimulatedScene } from "./simulator.js";

/** One camera of a simulated scene in exchange formats: MOTChallenge rows and calibration. */
export interface ExportedCamera {
  readonly id: string;
  /** Ground truth: id = person + 1, conf 1, then class 1 and visibility. */
  readonly groundTruth: MotRow[];
  /** Detections: id -1, conf = detector score. */
  readonly detections: MotRow[];
  /** Detection embeddings in row order (detections.length × dim). */
  readonly embeddings: Float32Array;
  readonly calibration: {
    readonly id: string;
    readonly width: number;
    readonly height: number;
    readonly focal: number;
    readonly position: readonly number[];
    readonly rotation: readonly number[];
    /** Image pixels → floor metres, row-major 3×3. */
    readonly imageToMap: number[];
    readonly mapToImage: number[];
    /** Calibration clicks, when given: image pixels [u, v] ↔ floor metres [x, y], pair by pair. */
    readonly image_points?: number[][];
    readonly map_points?: number[][];
  };
}

/** One row of DIR/floor.txt: where a person (its gt id) truly stands in a frame, metres. */
export interface FloorRow {
  readonly frame: number;
  readonly person: number;
  readonly x: number;
  readonly y: number;
}

/**
 * Exports each camera; with `calibrationPairs` (one per camera), its calibration also lists the
 * point pairs, rounded to a thousandth of a pixel / metre.
 */
export function exportScene(scene: SimulatedScene, calibrationPairs?: readonly CalibrationPairs[]): ExportedCamera[] {
  return scene.cameras.map((camera, c) => {
    const groundTruth: MotRow[] = [];
    const detections: MotRow[] = [];
    const embeddingParts: Float32Array[] = [];
    scene.frames.forEach((frames, f) => {
      const data = frames[c]!;
      for (const g of data.groundTruth) groundTruth.push(motRow(f + 1, g.personId + 1, g.box, 1, [1, round(g.visibility), -1]));
      for (let k = 0; k < data.count; k++) detections.push(motRow(f + 1, -1, data.boxes.subarray(4 * k, 4 * k + 4), round(data.scores[k]!)));
      embeddingParts.push(data.embeddings);
    });
    const embeddings = new Float32Array(embeddingParts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of embeddingParts) {
      embeddings.set(part, offset);
      offset += part.length;
    }
    return {
      id: camera.id,
      groundTruth,
      detections,
      embeddings,
      calibration: {
        id: camera.id,
        width: camera.width,
        height: camera.height,
        focal: camera.fx,
        position: [...camera.position],
        rotation: [...camera.rotation],
        imageToMap: Array.from(camera.imageToMap),
        mapToImage: Array.from(camera.mapToImage),
        ...(calibrationPairs?.[c] ? pointLists(calibrationPairs[c]) : {}),
      },
    };
  });
}

/** Every person in every frame, frames then persons ascending; person = gt id (index + 1). */
export function floorRows(scene: SimulatedScene): FloorRow[] {
  return scene.positions.flatMap((position, f) =>
    Array.from({ length: position.length / 2 }, (_, p) => ({ frame: f + 1, person: p + 1, x: round(position[2 * p]!), y: round(position[2 * p + 1]!) })));
}

/** DIR/floor.txt: `frame,person,x,y` per line, no header. */
export function writeFloorRows(rows: readonly FloorRow[]): string {
  return rows.map((r) => `${r.frame},${r.person},${r.x},${r.y}\n`).join("");
}

function pointLists(pairs: CalibrationPairs): { image_points: number[][]; map_points: number[][] } {
  const points = (packed: Float64Array) => Array.from({ length: packed.length / 2 }, (_, k) => [round(packed[2 * k]!), round(packed[2 * k + 1]!)]);
  return { image_points: points(pairs.image), map_points: points(pairs.map) };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
