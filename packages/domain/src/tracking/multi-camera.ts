import { BotSort } from "./botsort.js";
import { ByteTrack } from "./bytetrack.js";
import { bottomCentre } from "./geometry.js";
import { FloorIdentities } from "./floor-identities.js";
import type { FloorIdentityConfig } from "./floor-identity-config.js";
import { footOnFloor } from "./floor-kalman.js";
import { projectPoint } from "./homography.js";
import { CameraBoxModel, predictMissedBoxes } from "./predicted-boxes.js";
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

/** Where a global identity stands on the floor (metres) in one frame. */
export interface FloorPosition {
  readonly frame: number;
  readonly globalId: number;
  readonly x: number;
  readonly y: number;
}

/**
 * How global ids are given: "appearance" is the IdentityManager without the ground plane (the
 * baseline); "ground" and "fused" are the multi-view floor association (FloorIdentities) without
 * and with appearance.
 */
export type IdentityMode = "appearance" | "ground" | "fused";

/** What trackScene reads of a scene: a simulated one as it is, or one read back from its files. */
export interface TrackableScene {
  readonly config: { readonly fps: number };
  /** Image size and the map → image homography are needed only to predict boxes (`predictBoxes`). */
  readonly cameras: ReadonlyArray<{ readonly id: string; readonly imageToMap: ArrayLike<number>; readonly width?: number; readonly height?: number; readonly mapToImage?: ArrayLike<number> }>;
  /** frames[f][c] */
  readonly frames: ReadonlyArray<ReadonlyArray<Pick<SimulatedCameraFrame, "boxes" | "scores" | "embeddings" | "count"> & {
    readonly groundTruth: ReadonlyArray<Pick<SimulatedBox, "personId" | "box" | "visibility">>;
  }>>;
}

export interface SceneTrackingResult {
  readonly cameras: readonly CameraTracks[];
  /** One row per global identity per frame in which it has a floor position. */
  readonly floor: readonly FloorPosition[];
  /** Time spent in the identity manager, per frame (all cameras), in ms — filled when a clock is given. */
  readonly identityMsPerFrame?: number;
}

/**
 * The whole multi-camera pipeline on a simulated scene: one tracker per camera, map points from
 * each camera's homography, then the identity manager across cameras.
 */
export function trackScene(
  scene: TrackableScene,
  options: {
    tracker?: TrackerName;
    identity?: Partial<IdentityConfig>;
    identityMode?: IdentityMode;
    floor?: Partial<FloorIdentityConfig>;
    /** Also emit, in cameras that missed a person the others see, the box the floor position predicts there (global rows only; score 0). */
    predictBoxes?: boolean;
    now?: () => number;
  } = {},
): SceneTrackingResult {
  const fps = scene.config.fps;
  const mode = options.identityMode ?? "fused";
  const trackers = scene.cameras.map(() => createTracker(options.tracker ?? "botsort", fps));
  const identify = mode === "appearance" ? appearanceIdentities(fps, options.identity) : floorIdentities(fps, mode, options.identity, options.floor);
  const out = scene.cameras.map((camera) => ({ camera: camera.id, groundTruth: [] as MotRow[], local: [] as MotRow[], global: [] as MotRow[] }));
  const floor: FloorPosition[] = [];
  const predict = options.predictBoxes && mode !== "appearance" ? boxPredictor(scene) : undefined;
  let identityMs = 0;
  scene.frames.forEach((cameraFrames, f) => {
    const frame = f + 1;
    const tracked: SceneTrack[] = [];
    cameraFrames.forEach((data, c) => {
      for (const g of data.groundTruth) out[c]!.groundTruth.push(motRow(frame, g.personId + 1, g.box, 1, [1, g.visibility, -1]));
      const dim = data.count > 0 ? data.embeddings.length / data.count : 0;
      for (const track of trackers[c]!.update({ ...data, embeddingDim: dim })) {
        out[c]!.local.push(motRow(frame, track.trackId, track.box, track.score));
        // This frame's own evidence: the detection's embedding, not the track's running average, which
        // lags for seconds after the tracker slips onto somebody else (in crowds, often); the
        // identities keep the memory. A track the tracker only predicted this frame has no other.
        const detected = track.detectionIndex >= 0 && dim > 0 ? data.embeddings.subarray(track.detectionIndex * dim, (track.detectionIndex + 1) * dim) : undefined;
        const embedding = detected ?? track.embedding;
        tracked.push({ camera: c, cameraId: scene.cameras[c]!.id, imageToMap: scene.cameras[c]!.imageToMap, trackId: track.trackId, box: track.box, score: track.score, ...(embedding ? { embedding } : {}) });
      }
    });
    const started = options.now?.() ?? 0;
    const { globalIds, positions } = identify(frame, tracked);
    if (options.now) identityMs += options.now() - started;
    tracked.forEach((t, k) => out[t.camera]!.global.push(motRow(frame, globalIds[k]!, t.box, t.score)));
    for (const p of positions) floor.push({ frame, ...p });
    if (predict) for (const p of predict(tracked, globalIds, positions)) out[p.camera]!.global.push(motRow(frame, p.globalId, p.box, 0));
  });
  return { cameras: out, floor, ...(options.now ? { identityMsPerFrame: identityMs / Math.max(1, scene.frames.length) } : {}) };
}

interface SceneTrack {
  readonly camera: number;
  readonly cameraId: string;
  readonly imageToMap: ArrayLike<number>;
  readonly trackId: number;
  readonly box: [number, number, number, number];
  readonly score: number;
  readonly embedding?: Float32Array;
}

type Identify = (frame: number, tracks: readonly SceneTrack[]) => { globalIds: Int32Array; positions: ReadonlyArray<{ globalId: number; x: number; y: number }> };

function boxPredictor(scene: TrackableScene) {
  const cameras = scene.cameras.map((camera) => {
    if (camera.width === undefined || camera.height === undefined || !camera.mapToImage) throw new Error(`predictBoxes needs camera ${camera.id}'s image size and map → image homography`);
    return { model: new CameraBoxModel(camera.width, camera.height), mapToImage: camera.mapToImage };
  });
  return (tracks: readonly SceneTrack[], globalIds: Int32Array, positions: ReadonlyArray<{ globalId: number; x: number; y: number }>) => {
    const views = cameras.map(({ model, mapToImage }) => ({ model, mapToImage, reported: new Set<number>(), feet: [] as Array<readonly [number, number]> }));
    tracks.forEach((t, k) => {
      const view = views[t.camera]!;
      view.model.add(t.box);
      view.reported.add(globalIds[k]!);
      const [u, v] = bottomCentre(t.box);
      view.feet.push(projectPoint(t.imageToMap, u, v));
    });
    return predictMissedBoxes(positions, views);
  };
}

function appearanceIdentities(fps: number, identity: Partial<IdentityConfig> | undefined): Identify {
  const manager = new IdentityManager({ fps, ...identity, useGroundPlane: false });
  return (frame, tracks) => {
    const observations: IdentityObservation[] = tracks.map((t) => {
      const [u, v] = bottomCentre(t.box);
      return { camera: t.cameraId, trackId: t.trackId, mapPoint: projectPoint(t.imageToMap, u, v), ...(t.embedding ? { embedding: t.embedding } : {}) };
    });
    const globalIds = manager.update(frame, observations);
    // The baseline has no floor state: an identity stands at the mean of its map points this frame.
    const sums = new Map<number, [number, number, number]>();
    observations.forEach((o, k) => {
      const sum = sums.get(globalIds[k]!) ?? [0, 0, 0];
      sums.set(globalIds[k]!, [sum[0] + o.mapPoint![0], sum[1] + o.mapPoint![1], sum[2] + 1]);
    });
    return { globalIds, positions: [...sums].map(([globalId, [x, y, n]]) => ({ globalId, x: x / n, y: y / n })) };
  };
}

function floorIdentities(fps: number, mode: "ground" | "fused", identity: Partial<IdentityConfig> | undefined, floor: Partial<FloorIdentityConfig> | undefined): Identify {
  const shared = {
    ...(identity?.maxSpeed !== undefined ? { maxSpeed: identity.maxSpeed } : {}),
    ...(identity?.lostTtlFrames !== undefined ? { lostTtlFrames: identity.lostTtlFrames } : {}),
    ...(identity?.galleryMomentum !== undefined ? { galleryMomentum: identity.galleryMomentum } : {}),
  };
  const association = new FloorIdentities({ fps: identity?.fps ?? fps, ...shared, ...floor, useAppearance: mode === "fused" });
  const { pixelNoise, floorVariance } = association.config;
  return (frame, tracks) => {
    const globalIds = association.update(
      frame,
      tracks.map((t) => {
        const point = footOnFloor(t.imageToMap, t.box, pixelNoise, floorVariance);
        return { camera: t.cameraId, trackId: t.trackId, ...(point ? { point } : {}), ...(t.embedding ? { embedding: t.embedding } : {}) };
      }),
    );
    return { globalIds, positions: association.floorPositions };
  };
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
