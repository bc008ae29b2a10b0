import type { FloorIdentityConfig } from "./floor-identity-config.js";
import { floorDistanceSquared, floorInitiate } from "./floor-kalman.js";
import { appearanceSimilarity, isTracked, type FloorObservation, type Identity } from "./floor-identity-record.js";
import { dot } from "./vector-kernels.js";

/** Camera pairs whose views overlap, both ways round; undefined when every pair may. */
export type OverlappingCameras = ReadonlySet<string> | undefined;

export function overlappingCameras(overlaps: FloorIdentityConfig["overlaps"]): OverlappingCameras {
  return overlaps ? new Set(overlaps.flatMap(([a, b]) => [cameraPair(a, b), cameraPair(b, a)])) : undefined;
}

function cameraPair(a: string, b: string): string {
  return `${a}\u0000${b}`;
}

/** Cost of giving this camera's observation to the identity: floor distance (gated) plus appearance; Infinity forbids. */
export function pairCost(c: FloorIdentityConfig, overlapping: OverlappingCameras, frame: number, camera: string, o: FloorObservation, g: Identity): number {
  if (overlapping && g.lastFrame >= frame - 1) for (const other of g.cameras) if (other !== camera && !overlapping.has(cameraPair(other, camera))) return Infinity;
  let floor: number;
  const tracked = isTracked(g, frame, c.coastFrames);
  if (!o.point || !g.lastPosition) floor = 0.5 * c.floorWeight;
  else if (tracked) {
    const d2 = floorDistanceSquared(g.state!, o.point);
    if (!(d2 <= c.floorGate)) return Infinity;
    floor = (c.floorWeight * d2) / c.floorGate;
  } else {
    const radius = (c.maxSpeed * (frame - g.lastFrame)) / c.fps + c.reentryMargin;
    const d = Math.hypot(o.point.x - g.lastPosition[0], o.point.y - g.lastPosition[1]);
    if (d > radius) return Infinity;
    floor = c.reentryCost + (0.5 * c.floorWeight * d) / radius;
  }
  if (!c.useAppearance) return floor + (tracked ? 0 : c.unknownAppearanceCost);
  const similarity = appearanceSimilarity(camera, o, g);
  if (similarity === undefined) return floor + c.unknownAppearanceCost;
  if (!tracked && similarity < c.reentrySimilarity) return Infinity;
  return floor + c.appearanceWeight * (1 - similarity);
}

/** Cost of an unassigned observation joining the observations of other cameras born as one identity this frame. */
export function birthCost(c: FloorIdentityConfig, o: FloorObservation, members: readonly FloorObservation[]): number {
  if (members.some((m) => m.camera === o.camera)) return Infinity;
  const first = members[0]!;
  let floor = 0.5 * c.floorWeight;
  if (o.point && first.point) {
    const state = floorInitiate(first.point, 0);
    const d2 = floorDistanceSquared(state, o.point);
    if (!(d2 <= c.floorGate)) return Infinity;
    floor = (c.floorWeight * d2) / c.floorGate;
  }
  if (!c.useAppearance) return floor;
  // Views of one person from two cameras differ more than one camera's frames do: half weight.
  return o.embedding && first.embedding ? floor + 0.5 * c.appearanceWeight * (1 - dot(o.embedding, first.embedding)) : floor + c.unknownAppearanceCost;
}
