import { lookAtCamera, projectWorld, type CameraModel } from "./camera.js";
import { SeededRandom } from "./random.js";

/**
 * Seeded multi-camera scene: people walk between random waypoints on a floor at realistic
 * speeds; K cameras on the room's corners look at its centre with partly overlapping views. Per
 * camera and frame it yields ground-truth boxes (with visibility after occlusion by nearer
 * people) and noisy detections: occlusion-dependent recall and score, jitter, false positives,
 * and appearance embeddings per identity with look-alike groups, view change and noise.
 */
export interface SimulationConfig {
  readonly seed: number;
  readonly cameras: number;
  readonly people: number;
  readonly frames: number;
  readonly fps: number;
  /** Floor size in metres (x, y). */
  readonly floor: readonly [number, number];
  readonly image: { readonly width: number; readonly height: number; readonly focal: number };
  readonly cameraHeight: number;
  /** Cameras aim at this fraction of the way to the room centre, turned by cameraTurnDegrees. */
  readonly cameraReach: number;
  readonly cameraTurnDegrees: number;
  /**
   * "overlap" (the default when absent): cameras on the room's corners and walls with partly
   * overlapping views. "disjoint": the floor is cut into one cell per camera (two rows of cells)
   * with a blind strip of DISJOINT_BLIND_MARGIN metres inside every cell edge; each camera looks at
   * its cell from the nearest wall and sees only the people inside it, so no floor point is seen
   * by two cameras. Left out of DEFAULT_SIMULATION so that the default scene's files stay as they were.
   */
  readonly layout?: "overlap" | "disjoint";
  /** Walking speed in m/s: mean and standard deviation. */
  readonly speed: readonly [number, number];
  readonly detection: {
    /** Recall of a fully visible person. */
    readonly recall: number;
    /** Visibility below which a person is never detected. */
    readonly minVisibility: number;
    /** Box jitter, standard deviation as a fraction of the box height. */
    readonly jitter: number;
    /** Mean number of false positives per camera and frame. */
    readonly falsePositives: number;
  };
  readonly appearance: {
    readonly dim: number;
    /** Number of look-alike groups (people in one group dress alike). */
    readonly groups: number;
    /** Spread of individuals around their group (larger = easier to tell apart). */
    readonly individuality: number;
    /** How much a person looks different from each camera's viewpoint. */
    readonly viewChange: number;
    /** Per-detection noise. */
    readonly noise: number;
  };
}

export const DEFAULT_SIMULATION: SimulationConfig = {
  seed: 1,
  cameras: 4,
  people: 20,
  frames: 600,
  fps: 10,
  floor: [30, 20],
  image: { width: 1280, height: 720, focal: 1100 },
  cameraHeight: 4,
  cameraReach: 0.7,
  cameraTurnDegrees: 35,
  speed: [1.3, 0.25],
  detection: { recall: 0.93, minVisibility: 0.25, jitter: 0.03, falsePositives: 0.6 },
  appearance: { dim: 64, groups: 6, individuality: 0.7, viewChange: 0.35, noise: 0.25 },
};

/** Appearance of `--lookalikes` scenes: fewer groups and less individuality than the default (6, 0.7). */
export const LOOKALIKE_APPEARANCE = { groups: 2, individuality: 0.35 } as const;

/** Metres of floor inside every cell edge that no camera sees in the disjoint layout. */
export const DISJOINT_BLIND_MARGIN = 1;

export interface SimulatedBox {
  readonly personId: number;
  readonly box: [number, number, number, number];
  readonly visibility: number;
  /** Floor position of the person (metres). */
  readonly foot: [number, number];
}

export interface SimulatedCameraFrame {
  readonly groundTruth: readonly SimulatedBox[];
  readonly boxes: Float64Array;
  readonly scores: Float64Array;
  readonly embeddings: Float32Array;
  readonly count: number;
  /** Person behind each detection, -1 for a false positive. */
  readonly personIds: Int32Array;
}

export interface SimulatedScene {
  readonly config: SimulationConfig;
  readonly cameras: readonly CameraModel[];
  /** frames[f][c] */
  readonly frames: readonly (readonly SimulatedCameraFrame[])[];
  /** Floor positions per frame: positions[f] = [x0, y0, x1, y1, …]. */
  readonly positions: readonly Float64Array[];
}

export type SimulationOverrides = Partial<Omit<SimulationConfig, "detection" | "appearance" | "image">> & {
  readonly detection?: Partial<SimulationConfig["detection"]>;
  readonly appearance?: Partial<SimulationConfig["appearance"]>;
  readonly image?: Partial<SimulationConfig["image"]>;
};

export function resolveSimulation(overrides: SimulationOverrides = {}): SimulationConfig {
  return {
    ...DEFAULT_SIMULATION,
    ...overrides,
    detection: { ...DEFAULT_SIMULATION.detection, ...overrides.detection },
    appearance: { ...DEFAULT_SIMULATION.appearance, ...overrides.appearance },
    image: { ...DEFAULT_SIMULATION.image, ...overrides.image },
  };
}

/**
 * The floor area ([xmin, ymin, xmax, ymax], metres) each camera is limited to: one per camera in
 * the disjoint layout, none (the whole view) otherwise.
 */
export function cameraRegions(config: SimulationConfig): Array<readonly [number, number, number, number]> | undefined {
  if (config.layout !== "disjoint") return undefined;
  const [w, d] = config.floor;
  const rows = config.cameras > 1 ? 2 : 1;
  const columns = Math.ceil(config.cameras / rows);
  const [cellW, cellD] = [w / columns, d / rows];
  const m = DISJOINT_BLIND_MARGIN;
  return Array.from({ length: config.cameras }, (_, c) => {
    const [column, row] = [c % columns, Math.floor(c / columns)];
    return [column * cellW + m, row * cellD + m, (column + 1) * cellW - m, (row + 1) * cellD - m] as const;
  });
}

/**
 * Cameras spread around the room (corners first, then wall midpoints), all aimed at its centre;
 * in the disjoint layout, one per cell on the nearest long wall, aimed at the cell's centre.
 */
export function sceneCameras(config: SimulationConfig): CameraModel[] {
  const regions = cameraRegions(config);
  if (regions) {
    return regions.map(([x0, y0, x1, y1], c) => {
      const [cx, cy] = [(x0 + x1) / 2, (y0 + y1) / 2];
      const wallY = cy < config.floor[1] / 2 ? 0 : config.floor[1];
      return lookAtCamera(`cam${c + 1}`, [cx, wallY, config.cameraHeight], [cx, cy, 0], config.image);
    });
  }
  const [w, d] = config.floor;
  const spots: Array<[number, number]> = [[0, 0], [w, d], [w, 0], [0, d], [w / 2, 0], [w / 2, d], [0, d / 2], [w, d / 2]];
  return Array.from({ length: config.cameras }, (_, c) => {
    const [x, y] = spots[c % spots.length]!;
    const inset = 0.3 * Math.floor(c / spots.length);
    // Aim past the centre, turned sideways, so each view covers part of the room and overlaps its neighbours.
    const toCentre = [w / 2 - x, d / 2 - y];
    const turn = (config.cameraTurnDegrees * Math.PI) / 180;
    const aim = [toCentre[0]! * Math.cos(turn) - toCentre[1]! * Math.sin(turn), toCentre[0]! * Math.sin(turn) + toCentre[1]! * Math.cos(turn)];
    const target: [number, number, number] = [x + config.cameraReach * aim[0]!, y + config.cameraReach * aim[1]!, 0];
    return lookAtCamera(`cam${c + 1}`, [x, y, config.cameraHeight + inset], target, config.image);
  });
}

export function simulateScene(overrides: SimulationOverrides = {}): SimulatedScene {
  const config = resolveSimulation(overrides);
  const random = new SeededRandom(config.seed);
  const cameras = sceneCameras(config);
  const { people, frames, fps } = config;
  const [floorW, floorD] = config.floor;
  const dim = config.appearance.dim;

  const heights = Float64Array.from({ length: people }, () => Math.min(2, Math.max(1.5, random.normal(1.72, 0.08))));
  const speeds = Float64Array.from({ length: people }, () => Math.min(2.2, Math.max(0.5, random.normal(config.speed[0], config.speed[1]))));
  const position = Float64Array.from({ length: 2 * people }, (_, k) => (k % 2 === 0 ? random.uniform(1, floorW - 1) : random.uniform(1, floorD - 1)));
  const waypoint = Float64Array.from({ length: 2 * people }, (_, k) => (k % 2 === 0 ? random.uniform(1, floorW - 1) : random.uniform(1, floorD - 1)));
  const pause = new Float64Array(people);
  const appearance = makeAppearance(random, config, cameras.length);
  const regions = cameraRegions(config);

  const allFrames: SimulatedCameraFrame[][] = [];
  const positions: Float64Array[] = [];
  for (let f = 0; f < frames; f++) {
    if (f > 0) walk(random, config, position, waypoint, pause, speeds, 1 / fps, floorW, floorD);
    positions.push(Float64Array.from(position));
    allFrames.push(cameras.map((camera, c) => renderCamera(random, config, camera, c, position, heights, appearance, dim, regions?.[c])));
  }
  return { config, cameras, frames: allFrames, positions };
}

function walk(random: SeededRandom, config: SimulationConfig, position: Float64Array, waypoint: Float64Array, pause: Float64Array, speeds: Float64Array, dt: number, w: number, d: number): void {
  for (let p = 0; p < speeds.length; p++) {
    if (pause[p]! > 0) {
      pause[p] = pause[p]! - dt;
      continue;
    }
    const dx = waypoint[2 * p]! - position[2 * p]!, dy = waypoint[2 * p + 1]! - position[2 * p + 1]!;
    const distance = Math.hypot(dx, dy);
    const step = speeds[p]! * dt;
    if (distance <= step) {
      position[2 * p] = waypoint[2 * p]!;
      position[2 * p + 1] = waypoint[2 * p + 1]!;
      waypoint[2 * p] = random.uniform(0.5, w - 0.5);
      waypoint[2 * p + 1] = random.uniform(0.5, d - 0.5);
      if (random.next() < 0.3) pause[p] = random.uniform(0.5, 3);
    } else {
      // A little lateral sway so paths are not perfectly straight.
      const sway = random.normal(0, 0.05) * step;
      position[2 * p] = position[2 * p]! + (dx / distance) * step - (dy / distance) * sway;
      position[2 * p + 1] = position[2 * p + 1]! + (dy / distance) * step + (dx / distance) * sway;
    }
  }
  void config;
}

/** Per person and camera, the unit embedding it shows from that viewpoint (people × cameras × dim). */
function makeAppearance(random: SeededRandom, config: SimulationConfig, cameraCount: number): Float32Array {
  const { dim, groups, individuality, viewChange } = config.appearance;
  const gaussianUnit = () => normalise(Float64Array.from({ length: dim }, () => random.normal()));
  const centres = Array.from({ length: groups }, gaussianUnit);
  const views = new Float32Array(config.people * cameraCount * dim);
  for (let p = 0; p < config.people; p++) {
    const centre = centres[p % groups]!;
    const own = gaussianUnit();
    const base = normalise(centre.map((v, k) => v + individuality * own[k]!));
    for (let c = 0; c < cameraCount; c++) {
      const change = gaussianUnit();
      const view = normalise(base.map((v, k) => v + viewChange * change[k]!));
      views.set(view, (p * cameraCount + c) * dim);
    }
  }
  return views;
}

function renderCamera(
  random: SeededRandom,
  config: SimulationConfig,
  camera: CameraModel,
  cameraIndex: number,
  position: Float64Array,
  heights: Float64Array,
  appearance: Float32Array,
  dim: number,
  region: readonly [number, number, number, number] | undefined,
): SimulatedCameraFrame {
  const inView: Array<{ personId: number; box: [number, number, number, number]; depth: number; foot: [number, number] }> = [];
  for (let p = 0; p < heights.length; p++) {
    const x = position[2 * p]!, y = position[2 * p + 1]!;
    if (region && (x < region[0] || x > region[2] || y < region[1] || y > region[3])) continue;
    const [u, vFoot, depth] = projectWorld(camera, x, y, 0);
    const [, vHead, headDepth] = projectWorld(camera, x, y, heights[p]!);
    if (depth < 0.5 || headDepth < 0.5) continue;
    const h = vFoot - vHead;
    const w = 0.41 * h;
    const box: [number, number, number, number] = [u - w / 2, vHead, u + w / 2, vFoot];
    if (u < 0 || u > camera.width || vFoot < 0 || vFoot > camera.height) continue;
    const insideW = Math.min(box[2], camera.width) - Math.max(box[0], 0);
    const insideH = Math.min(box[3], camera.height) - Math.max(box[1], 0);
    if (insideW <= 0 || insideH <= 0 || (insideW * insideH) / (w * h) < 0.6) continue;
    inView.push({ personId: p, box, depth, foot: [x, y] });
  }
  inView.sort((a, b) => a.depth - b.depth);
  const groundTruth: SimulatedBox[] = [];
  const boxes: number[] = [], scores: number[] = [], personIds: number[] = [];
  const embeddings: number[] = [];
  const { recall, minVisibility, jitter, falsePositives } = config.detection;
  for (let i = 0; i < inView.length; i++) {
    const target = inView[i]!;
    const area = (target.box[2] - target.box[0]) * (target.box[3] - target.box[1]);
    let unoccluded = 1;
    let occluder = -1, occluderShare = 0;
    for (let j = 0; j < i; j++) {
      const share = overlapArea(target.box, inView[j]!.box) / area;
      unoccluded *= 1 - share;
      if (share > occluderShare) [occluder, occluderShare] = [inView[j]!.personId, share];
    }
    const visibility = Math.max(0, Math.min(1, unoccluded));
    groundTruth.push({ personId: target.personId, box: target.box, visibility, foot: target.foot });
    const t = Math.min(1, Math.max(0, (visibility - minVisibility) / (0.7 - minVisibility)));
    if (random.next() >= recall * t * t * (3 - 2 * t)) continue;
    const h = target.box[3] - target.box[1];
    boxes.push(...target.box.map((v) => v + random.normal(0, jitter * h)));
    scores.push(Math.min(0.99, Math.max(0.12, 0.3 + 0.65 * visibility + random.normal(0, 0.08))));
    personIds.push(target.personId);
    const view = appearance.subarray((target.personId * config.cameras + cameraIndex) * dim, (target.personId * config.cameras + cameraIndex + 1) * dim);
    const occluding = occluder >= 0 ? appearance.subarray((occluder * config.cameras + cameraIndex) * dim, (occluder * config.cameras + cameraIndex + 1) * dim) : undefined;
    const mix = occluding ? Math.min(0.5, occluderShare) : 0;
    const noisy = Float64Array.from({ length: dim }, (_, k) => (1 - mix) * view[k]! + mix * (occluding?.[k] ?? 0) + (config.appearance.noise / Math.sqrt(dim)) * random.normal());
    embeddings.push(...normalise(noisy));
  }
  const clutter = random.poisson(falsePositives);
  for (let k = 0; k < clutter; k++) {
    const h = random.uniform(60, 260), w = h * random.uniform(0.3, 0.6);
    const x = random.uniform(0, camera.width - w), y = random.uniform(0, camera.height - h);
    boxes.push(x, y, x + w, y + h);
    scores.push(random.uniform(0.1, 0.8));
    personIds.push(-1);
    embeddings.push(...normalise(Float64Array.from({ length: dim }, () => random.normal())));
  }
  return {
    groundTruth,
    boxes: Float64Array.from(boxes),
    scores: Float64Array.from(scores),
    embeddings: Float32Array.from(embeddings),
    count: scores.length,
    personIds: Int32Array.from(personIds),
  };
}

function overlapArea(a: readonly number[], b: readonly number[]): number {
  const w = Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!);
  const h = Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!);
  return w > 0 && h > 0 ? w * h : 0;
}

function normalise(v: Float64Array): Float64Array {
  let n = 0;
  for (const x of v) n += x * x;
  const s = n > 0 ? 1 / Math.sqrt(n) : 0;
  return v.map((x) => x * s);
}

const NO_DETECTIONS: SimulatedCameraFrame = {
  groundTruth: [], boxes: new Float64Array(0), scores: new Float64Array(0), embeddings: new Float32Array(0), count: 0, personIds: new Int32Array(0),
};

/**
 * The scene as a camera whose clock is `offset` frames off would record it: that camera's frame f
 * shows what happened at frame f − offset (frames shifted out of the scene are lost, frames
 * shifted in are empty). Floor positions stay in true time.
 */
export function withClockOffset(scene: SimulatedScene, cameraId: string, offset: number): SimulatedScene {
  const c = scene.cameras.findIndex((camera) => camera.id === cameraId);
  if (c < 0) throw new RangeError(`no camera '${cameraId}' in the scene (cameras: ${scene.cameras.map((camera) => camera.id).join(", ")})`);
  const frames = scene.frames.map((cameraFrames, f) => cameraFrames.map((frame, k) => (k === c ? (scene.frames[f - offset]?.[c] ?? NO_DETECTIONS) : frame)));
  return { ...scene, frames };
}
