import { motRow, type MotRow } from "./mot-format.js";
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
  };
}

export function exportScene(scene: SimulatedScene): ExportedCamera[] {
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
      },
    };
  });
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
