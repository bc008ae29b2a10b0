import { BotSort } from "./botsort.js";
import { ByteTrack } from "./bytetrack.js";
import { bottomCentre } from "./geometry.js";
import { projectPoint } from "./homography.js";
import type { IdentityConfig } from "./identity-config.js";
import { IdentityManager, type IdentityObservation } from "./identity-manager.js";
import { evaluateMot } from "./mot-evaluation.js";
import { motRow, type MotRow } from "./mot-format.js";
import { identityMetrics } from "./mot-metrics.js";
import { buildSequence } from "./mot-sequence.js";
import type { SimulatedBox, SimulatedCameraFrame } from "./simulator.js";
import type { MultiObjectTracker } from "./tracker.js";

export type TrackerName = "bytetrack" | "botsort";

export function createTracker(name: TrackerName, frameRate: number): MultiObjectTracker {
  return name === "botsort" ? new BotSort({ frameRate }) : new ByteTrack({ frameRate });
}

export interface CameraTracks {
  readonly camera: string;
  readonly groundTruth: MotRow[];
  /** Per-camera tracker ids. */
  readonly local: MotRow[];
  /** Same boxes labelled with global ids. */
  readonly global: MotRow[];
}

/** A global identity's floor position (metres) in one frame. */
export interface FloorPosition {
  readonly frame: number;
  readonly globalId: number;
  readonly x: number;
  readonly y: number;
}

export type IdentityMode = "appearance" | "ground" | "fused";

/** What trackScene reads of a scene: a simulated one as it is, or one read back from its files. */
export interface TrackableScene {
  readonly config: { readonly fps: number };
  readonly cameras: ReadonlyArray<{ readonly id: string; readonly imageToMap: ArrayLike<number> }>;
  /** frames[f][c] */
  readonly frames: ReadonlyArray<ReadonlyArray<Pick<SimulatedCameraFrame, "boxes" | "scores" | "embeddings" | "count"> & {
    readonly groundTruth: ReadonlyArray<Pick<SimulatedBox, "personId" | "box" | "visibility">>;
  }>>;
}

export interface SceneTrackingResult {
  readonly cameras: readonly CameraTracks[];
  /** One row per global identity per frame in which it has a floor position, frames ascending. */
  readonly floor: readonly FloorPosition[];
  /** Time spent in the identity manager, per frame (all cameras), in ms — filled when a clock is given. */
  readonly identityMsPerFrame?: number;
}

/**
 * The whole multi-camera pipeline on a scene: one tracker per camera, map points from each
 * camera's homography, then the identity manager across cameras. `identityMode` "appearance"
 * ignores the floor (useGroundPlane false); "ground" and "fused" use the manager as configured.
 */
export function trackScene(
  scene: TrackableScene,
  options: { tracker?: TrackerName; identity?: Partial<IdentityConfig>; identityMode?: IdentityMode; now?: () => number } = {},
): SceneTrackingResult {
  const fps = scene.config.fps;
  const trackers = scene.cameras.map(() => createTracker(options.tracker ?? "botsort", fps));
  const identities = new IdentityManager({ fps, ...options.identity, ...(options.identityMode === "appearance" ? { useGroundPlane: false } : {}) });
  const floor: FloorPosition[] = [];
  const out = scene.cameras.map((camera) => ({ camera: camera.id, groundTruth: [] as MotRow[], local: [] as MotRow[], global: [] as MotRow[] }));
  let identityMs = 0;
  scene.frames.forEach((cameraFrames, f) => {
    const frame = f + 1;
    const observations: IdentityObservation[] = [];
    const boxes: Array<{ camera: number; box: [number, number, number, number]; trackId: number; score: number }> = [];
    cameraFrames.forEach((data, c) => {
      const camera = scene.cameras[c]!;
      for (const g of data.groundTruth) out[c]!.groundTruth.push(motRow(frame, g.personId + 1, g.box, 1, [1, g.visibility, -1]));
      const dim = data.count > 0 ? data.embeddings.length / data.count : 0;
      for (const track of trackers[c]!.update({ ...data, embeddingDim: dim })) {
        out[c]!.local.push(motRow(frame, track.trackId, track.box, track.score));
        const [u, v] = bottomCentre(track.box);
        const embedding = track.embedding ?? (track.detectionIndex >= 0 && dim > 0 ? data.embeddings.subarray(track.detectionIndex * dim, (track.detectionIndex + 1) * dim) : undefined);
        observations.push({ camera: camera.id, trackId: track.trackId, mapPoint: projectPoint(camera.imageToMap, u, v), ...(embedding ? { embedding } : {}) });
        boxes.push({ camera: c, box: track.box, trackId: track.trackId, score: track.score });
      }
    });
    const started = options.now?.() ?? 0;
    const globalIds = identities.update(frame, observations);
    if (options.now) identityMs += options.now() - started;
    boxes.forEach((b, k) => out[b.camera]!.global.push(motRow(frame, globalIds[k]!, b.box, b.score)));
    floor.push(...meanFloorPositions(frame, observations, globalIds));
  });
  return { cameras: out, floor, ...(options.now ? { identityMsPerFrame: identityMs / Math.max(1, scene.frames.length) } : {}) };
}

/** Per global id, the mean of the map points of this frame's observations carrying it; ids ascending. */
function meanFloorPositions(frame: number, observations: readonly IdentityObservation[], globalIds: Int32Array): FloorPosition[] {
  const sums = new Map<number, [x: number, y: number, count: number]>();
  observations.forEach((o, k) => {
    if (!o.mapPoint) return;
    const sum = sums.get(globalIds[k]!) ?? [0, 0, 0];
    sums.set(globalIds[k]!, [sum[0] + o.mapPoint[0], sum[1] + o.mapPoint[1], sum[2] + 1]);
  });
  return [...sums.entries()].sort(([a], [b]) => a - b).map(([globalId, [x, y, count]]) => ({ frame, globalId, x: x / count, y: y / count }));
}

export interface SceneEvaluation {
  readonly perCamera: ReadonlyArray<{ readonly camera: string; readonly idf1: number; readonly mota: number; readonly hota: number }>;
  /** IDF1 of the global ids over all cameras at once (one gt person = one id everywhere). */
  readonly crossCameraIdf1: number;
}

export function evaluateSceneTracking(result: SceneTrackingResult): SceneEvaluation {
  const perCamera = result.cameras.map((c) => {
    const summary = evaluateMot(c.groundTruth, c.local);
    return { camera: c.camera, idf1: summary.idf1, mota: summary.mota, hota: summary.hota };
  });
  return { perCamera, crossCameraIdf1: crossCameraIdf1(result.cameras) };
}

/** Cameras are laid side by side in time (disjoint frame ranges) so one identity assignment spans all of them. */
export function crossCameraIdf1(cameras: readonly CameraTracks[]): number {
  const span = 1 + Math.max(0, ...cameras.flatMap((c) => [...c.groundTruth, ...c.global].map((r) => r.frame)));
  const shift = (rows: readonly MotRow[], c: number) => rows.map((r) => ({ ...r, frame: r.frame + c * span }));
  const gt = cameras.flatMap((c, i) => shift(c.groundTruth, i));
  const pred = cameras.flatMap((c, i) => shift(c.global, i));
  return identityMetrics(buildSequence(gt, pred)).idf1;
}
