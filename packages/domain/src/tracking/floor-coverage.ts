/**
 * Where on the floor each camera can see people, learnt from where its detections' foot points
 * have landed: a grid of square cells, a cell counting as visible to a camera once enough of its
 * foot points fell in it. It needs no calibration beyond the homography that placed the points,
 * follows occluders and dead image corners the image bounds would not know about, and grows as
 * people walk. A cell nobody has walked through yet is unknown, so it reads as not visible.
 */
export class FloorCoverage {
  private readonly cells = new Map<string, Map<number, number>>();

  constructor(
    /** Cell side (m). */
    readonly cellSize: number,
    /** Foot points a camera must have placed in a cell before it counts as seeing it (one stray point is not a view). */
    readonly minPoints: number,
  ) {}

  add(camera: string, x: number, y: number): void {
    let counts = this.cells.get(camera);
    if (!counts) this.cells.set(camera, (counts = new Map()));
    const cell = this.cellOf(x, y);
    counts.set(cell, (counts.get(cell) ?? 0) + 1);
  }

  /** Does any camera see (x, y) or a cell next to it? False means the point is out of every view. */
  nearAnyView(x: number, y: number): boolean {
    const i = Math.floor(x / this.cellSize), j = Math.floor(y / this.cellSize);
    for (const counts of this.cells.values()) {
      for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) if ((counts.get(cellKey(i + di, j + dj)) ?? 0) >= this.minPoints) return true;
    }
    return false;
  }

  private cellOf(x: number, y: number): number {
    return cellKey(Math.floor(x / this.cellSize), Math.floor(y / this.cellSize));
  }
}

/** One number per cell; floors up to a kilometre across in either direction at 0.25 m cells. */
function cellKey(i: number, j: number): number {
  return (i + 4096) * 8192 + (j + 4096);
}
