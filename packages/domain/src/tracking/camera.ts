import { invertHomography, type Homography } from "./homography.js";

/**
 * Pinhole camera looking at a floor plane (world X, Y on the floor in metres, Z up). Rotation
 * rows are the camera axes (x right, y down, z forward) in world coordinates.
 */
export interface CameraModel {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  readonly fx: number;
  readonly fy: number;
  readonly cx: number;
  readonly cy: number;
  readonly position: readonly [number, number, number];
  /** World → camera rotation, row-major 3×3. */
  readonly rotation: readonly number[];
  /** Image pixel → floor metres (what the tracking pipeline uses for map coordinates). */
  readonly imageToMap: Homography;
  readonly mapToImage: Homography;
}

export function lookAtCamera(
  id: string,
  position: readonly [number, number, number],
  target: readonly [number, number, number],
  intrinsics: { width: number; height: number; focal: number },
): CameraModel {
  const forward = normalise([target[0] - position[0], target[1] - position[1], target[2] - position[2]]);
  const right = normalise(cross(forward, [0, 0, 1]));
  const down = cross(forward, right);
  const rotation = [...right, ...down, ...forward];
  const { width, height, focal } = intrinsics;
  const [cx, cy] = [width / 2, height / 2];
  // Floor points (X, Y, 0): p_cam = X·r1 + Y·r2 + t with r1, r2 the first two columns of R, t = −R·C.
  const t = [0, 1, 2].map((row) => -(rotation[3 * row]! * position[0] + rotation[3 * row + 1]! * position[1] + rotation[3 * row + 2]! * position[2]));
  const column = (row: number, c: number) => rotation[3 * row + c]!;
  const cameraRows = [0, 1, 2].map((row) => [column(row, 0), column(row, 1), t[row]!]);
  const k = [[focal, 0, cx], [0, focal, cy], [0, 0, 1]];
  const mapToImage = new Float64Array(9);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) {
    mapToImage[3 * r + c] = k[r]![0]! * cameraRows[0]![c]! + k[r]![1]! * cameraRows[1]![c]! + k[r]![2]! * cameraRows[2]![c]!;
  }
  const scale = mapToImage[8]!;
  for (let i = 0; i < 9; i++) mapToImage[i] = mapToImage[i]! / scale;
  return { id, width, height, fx: focal, fy: focal, cx, cy, position, rotation, mapToImage, imageToMap: invertHomography(mapToImage) };
}

/** Pixel coordinates and depth of a world point; depth ≤ 0 means behind the camera. */
export function projectWorld(camera: CameraModel, x: number, y: number, z: number): [u: number, v: number, depth: number] {
  const dx = x - camera.position[0], dy = y - camera.position[1], dz = z - camera.position[2];
  const r = camera.rotation;
  const xc = r[0]! * dx + r[1]! * dy + r[2]! * dz;
  const yc = r[3]! * dx + r[4]! * dy + r[5]! * dz;
  const zc = r[6]! * dx + r[7]! * dy + r[8]! * dz;
  return [camera.fx * (xc / zc) + camera.cx, camera.fy * (yc / zc) + camera.cy, zc];
}

function cross(a: readonly number[], b: readonly number[]): number[] {
  return [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
}

function normalise(v: readonly number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
