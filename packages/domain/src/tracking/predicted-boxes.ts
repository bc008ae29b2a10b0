import { projectPoint } from "./homography.js";

/**
 * Boxes a camera missed, drawn from where the other views put the person on the floor. The foot
 * point comes from the camera's map → image homography; the box's size from what the camera's own
 * tracks look like there: a standing person's height in pixels is close to linear in the image row
 * of their feet (a planar floor seen by a camera without roll), fitted by least squares over the
 * camera's tracks, and the width is their mean aspect ratio. Needs no camera pose.
 */
export class CameraBoxModel {
  private n = 0;
  private sumV = 0;
  private sumH = 0;
  private sumVV = 0;
  private sumVH = 0;
  private sumAspect = 0;

  constructor(
    readonly width: number,
    readonly height: number,
    /** Samples needed before the model predicts. */
    private readonly minSamples = 50,
  ) {}

  add(box: readonly number[]): void {
    const v = box[3]!, h = box[3]! - box[1]!;
    if (!(h > 0)) return;
    this.n++;
    this.sumV += v;
    this.sumH += h;
    this.sumVV += v * v;
    this.sumVH += v * h;
    this.sumAspect += (box[2]! - box[0]!) / h;
  }

  /** The box of a person whose feet are at floor point (x, y), when it would be mostly inside the image. */
  predict(mapToImage: ArrayLike<number>, x: number, y: number): [number, number, number, number] | undefined {
    if (this.n < this.minSamples) return undefined;
    const w = mapToImage[6]! * x + mapToImage[7]! * y + mapToImage[8]!;
    if (!(w > 0)) return undefined; // behind the camera
    const [u, v] = projectPoint(mapToImage, x, y);
    const variance = this.sumVV / this.n - (this.sumV / this.n) ** 2;
    const slope = variance > 1e-9 ? (this.sumVH / this.n - (this.sumV / this.n) * (this.sumH / this.n)) / variance : 0;
    const h = this.sumH / this.n + slope * (v - this.sumV / this.n);
    if (!(h > 4) || u < 0 || u > this.width || v < 0 || v > this.height) return undefined;
    const half = (h * this.sumAspect) / this.n / 2;
    const box: [number, number, number, number] = [u - half, v - h, u + half, v];
    const insideW = Math.min(box[2], this.width) - Math.max(box[0], 0);
    const insideH = Math.min(box[3], this.height) - Math.max(box[1], 0);
    return insideW > 0 && insideH > 0 && (insideW * insideH) / (2 * half * h) >= 0.6 ? box : undefined;
  }
}

/**
 * For every identity with a floor position this frame and every camera that reported no box for
 * it: the box that camera would show, unless one of its boxes already stands within `clearance`
 * metres (then it saw the person under another id, and a second box would be a duplicate).
 */
export function predictMissedBoxes(
  positions: ReadonlyArray<{ readonly globalId: number; readonly x: number; readonly y: number }>,
  cameras: ReadonlyArray<{ readonly model: CameraBoxModel; readonly mapToImage: ArrayLike<number>; readonly reported: ReadonlySet<number>; readonly feet: readonly (readonly [number, number])[] }>,
  clearance = 0.5,
): Array<{ readonly camera: number; readonly globalId: number; readonly box: [number, number, number, number] }> {
  const out: Array<{ camera: number; globalId: number; box: [number, number, number, number] }> = [];
  cameras.forEach((camera, c) => {
    for (const p of positions) {
      if (camera.reported.has(p.globalId)) continue;
      if (camera.feet.some(([x, y]) => Math.hypot(x - p.x, y - p.y) < clearance)) continue;
      const box = camera.model.predict(camera.mapToImage, p.x, p.y);
      if (box) out.push({ camera: c, globalId: p.globalId, box });
    }
  });
  return out;
}
