import { FloorCoverage } from "./floor-coverage.js";
import { floorDistanceSquared, floorInitiate, floorPredict, floorUpdate, type FloorPoint, type FloorState } from "./floor-kalman.js";
import { LinearAssignmentSolver } from "./lapjv.js";
import { dot, blendUnitInto, unitVector } from "./vector-kernels.js";
import { DEFAULT_FLOOR_IDENTITY_CONFIG, FLOOR_ONLY_DEFAULTS, type FloorIdentityConfig } from "./floor-identity-config.js";

/** One camera's track in the current frame, as the floor association sees it. */
export interface FloorObservation {
  readonly camera: string;
  readonly trackId: number;
  /** Foot point on the floor with its uncertainty (see footOnFloor); absent for an uncalibrated camera. */
  readonly point?: FloorPoint;
  readonly embedding?: Float32Array;
}

/** Where an identity stands on the floor this frame. */
export interface IdentityPosition {
  readonly globalId: number;
  readonly x: number;
  readonly y: number;
}

interface Identity {
  readonly id: number;
  state: FloorState | undefined;
  /** Frame of the last observation with a floor point, and that point's filtered position. */
  lastFrame: number;
  lastPosition: [number, number] | undefined;
  /** Frame up to which the Kalman state is predicted. */
  predictedTo: number;
  hits: number;
  readonly bornAt: number;
  /** First floor position, where a re-identified person came back. */
  firstPosition: [number, number] | undefined;
  mean: Float32Array | undefined;
  views: Map<string, Float32Array>;
  /** Cameras that saw the identity in its last frame. */
  cameras: Set<string>;
  /** It walked out of every camera's view: its Kalman prediction is no longer trusted, it can only re-enter. */
  exited: boolean;
}

interface Binding {
  identity: number;
  lastFrame: number;
  /** Consecutive frames the tracklet found no identity of its own, or looked unlike its identity. */
  strain: number;
}

/**
 * Global ids across cameras by multi-view association on the floor plane. Each frame, every
 * identity's floor Kalman state is predicted; per camera, that camera's tracklets are assigned to
 * identities (at most one per identity) by Mahalanobis floor distance (gated by the foot points'
 * projected uncertainty), appearance and the identity the tracklet already carries; identities
 * then take every assigned foot point as a measurement. So an identity lives as long as any camera
 * sees the person, and a tracklet that a per-camera id switch moved onto somebody else is taken
 * off its identity instead of dragging it along. Unassigned tracklets of several cameras that
 * coincide on the floor are born as one identity. Lost identities come back by position first
 * (travel-time gate), appearance second; identities seen as one by different cameras are merged.
 */
export class FloorIdentities {
  readonly config: FloorIdentityConfig;
  private readonly identities = new Map<number, Identity>();
  private readonly bindings = new Map<string, Binding>();
  private readonly mergedInto = new Map<number, number>();
  private readonly coincidence = new Map<number, number>();
  private readonly solver = new LinearAssignmentSolver();
  private readonly overlapping: Set<string> | undefined;
  private readonly coverage: FloorCoverage;
  private positions: IdentityPosition[] = [];
  /** Per observation of the current frame: was its assignment clear enough to learn its appearance from? */
  private clear = new Uint8Array(0);
  private nextId = 1;

  constructor(config: Partial<FloorIdentityConfig> = {}) {
    this.config = { ...DEFAULT_FLOOR_IDENTITY_CONFIG, ...(config.useAppearance === false ? FLOOR_ONLY_DEFAULTS : {}), ...config };
    this.overlapping = this.config.overlaps ? new Set(this.config.overlaps.flatMap(([a, b]) => [`${a}\u0000${b}`, `${b}\u0000${a}`])) : undefined;
    this.coverage = new FloorCoverage(this.config.coverageCell, this.config.coverageMinPoints);
  }

  get identityCount(): number {
    return this.identities.size;
  }

  /** Identities with a floor position in the last update (seen by at least one calibrated camera). */
  get floorPositions(): readonly IdentityPosition[] {
    return this.positions;
  }

  /** Forgets every tracklet binding (new sub-videos restart the trackers) but keeps the identities. */
  resetTracks(): void {
    this.bindings.clear();
  }

  update(frame: number, input: readonly FloorObservation[]): Int32Array {
    const c = this.config;
    const observations = input.map((o) => (o.embedding && c.useAppearance ? { ...o, embedding: unitVector(o.embedding) } : { ...o, embedding: undefined }));
    for (const o of observations) if (o.point) this.coverage.add(o.camera, o.point.x, o.point.y);
    this.predict(frame);
    const ids = new Int32Array(observations.length).fill(-1);
    this.clear = new Uint8Array(observations.length).fill(1);
    const byCamera = new Map<string, number[]>();
    observations.forEach((o, k) => {
      let list = byCamera.get(o.camera);
      if (!list) byCamera.set(o.camera, (list = []));
      list.push(k);
    });
    const candidates = [...this.identities.values()];
    const cameras = [...byCamera.keys()].sort();
    for (const camera of cameras) this.assignCamera(frame, camera, byCamera.get(camera)!, observations, candidates, ids);
    this.holdStrained(frame, observations, ids);
    this.bear(frame, cameras, byCamera, observations, ids);
    this.correct(frame, observations, ids);
    this.mergeCoincident(observations, ids);
    if (this.config.useAppearance) this.reidentify(frame, ids);
    if (c.exitOutOfView) this.judgeExits(frame);
    this.forget(frame);
    return ids;
  }

  /**
   * An identity nobody has seen for exitAfterFrames frames whose prediction has left every
   * camera's visible region walked out: it is lost at once instead of coasting for coastFrames,
   * and can only come back by re-entry (the travel-time gate from where it was last seen, and an
   * appearance it must clearly share), never by the Mahalanobis gate of a prediction that keeps
   * walking on unseen, widening as it goes, through other people's new tracklets.
   */
  private judgeExits(frame: number): void {
    const c = this.config;
    for (const g of this.identities.values()) {
      if (frame - g.lastFrame < c.exitAfterFrames || !this.tracked(g, frame)) continue;
      if (!this.coverage.nearAnyView(g.state!.mean[0]!, g.state!.mean[1]!)) g.exited = true;
    }
  }

  /** Is the identity's Kalman prediction still to be trusted? */
  private tracked(g: Identity, frame: number): boolean {
    return g.state !== undefined && !g.exited && frame - g.lastFrame <= this.config.coastFrames;
  }

  private predict(frame: number): void {
    const c = this.config;
    for (const g of this.identities.values()) {
      if (!this.tracked(g, frame) || frame <= g.predictedTo) continue;
      floorPredict(g.state!, (frame - g.predictedTo) / c.fps, c.accelerationNoise);
      g.predictedTo = frame;
    }
  }

  private assignCamera(frame: number, camera: string, rows: readonly number[], observations: readonly FloorObservation[], candidates: readonly Identity[], ids: Int32Array): void {
    const n = rows.length, m = candidates.length;
    if (m === 0) return;
    const cost = new Float64Array(n * m);
    for (let a = 0; a < n; a++) {
      const o = observations[rows[a]!]!;
      const binding = this.bindings.get(key(o));
      const bound = binding ? this.resolve(binding.identity) : -1;
      const trusted = binding !== undefined && binding.strain < this.config.splitFrames;
      for (let b = 0; b < m; b++) {
        const g = candidates[b]!;
        let value = this.pairCost(frame, camera, o, g);
        if (g.id === bound && trusted) value -= this.config.continuityBonus;
        cost[a * m + b] = value;
      }
    }
    const { rowToCol } = this.solver.solveWithLimit(cost, n, m, this.config.costLimit);
    for (let a = 0; a < n; a++) {
      const b = rowToCol[a]!;
      if (b < 0) continue;
      ids[rows[a]!] = candidates[b]!.id;
      const own = cost[a * m + b]!;
      for (let other = 0; other < m; other++) if (other !== b && cost[a * m + other]! < own + this.config.learnMargin) this.clear[rows[a]!] = 0;
    }
  }

  private pairCost(frame: number, camera: string, o: FloorObservation, g: Identity): number {
    const c = this.config;
    if (this.overlapping && g.lastFrame >= frame - 1) for (const other of g.cameras) if (other !== camera && !this.overlapping.has(`${other}\u0000${camera}`)) return Infinity;
    let floor: number;
    const tracked = this.tracked(g, frame);
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
    const similarity = this.similarity(camera, o, g);
    if (similarity === undefined) return floor + c.unknownAppearanceCost;
    if (!tracked && similarity < c.reentrySimilarity) return Infinity;
    return floor + c.appearanceWeight * (1 - similarity);
  }

  /** Cosine with the identity as this camera saw it, or as any camera did, whichever is closer. */
  private similarity(camera: string, o: FloorObservation, g: Identity): number | undefined {
    if (!o.embedding || !g.mean) return undefined;
    const overall = dot(o.embedding, g.mean);
    const view = g.views.get(camera);
    return view ? Math.max(overall, dot(o.embedding, view)) : overall;
  }

  /**
   * A tracklet that found no identity keeps the one it carries for up to splitFrames frames (one
   * bad foot point is not a new person), without moving it; after that it is split off.
   */
  private holdStrained(frame: number, observations: readonly FloorObservation[], ids: Int32Array): void {
    const used = new Set<string>();
    observations.forEach((o, k) => ids[k]! >= 0 && used.add(`${o.camera}\u0000${ids[k]}`));
    observations.forEach((o, k) => {
      const binding = this.bindings.get(key(o));
      if (!binding) return;
      const bound = this.resolve(binding.identity);
      if (ids[k] === bound) return;
      binding.strain++;
      const patience = ids[k]! >= 0 ? this.config.switchFrames : this.config.splitFrames;
      if (binding.strain >= patience || !this.identities.has(bound) || used.has(`${o.camera}\u0000${bound}`)) return;
      ids[k] = -2 - bound; // reported as `bound`, but no measurement for it
      used.add(`${o.camera}\u0000${bound}`);
      binding.lastFrame = frame;
    });
  }

  /** Unassigned tracklets of different cameras that coincide on the floor become one new identity. */
  private bear(frame: number, cameras: readonly string[], byCamera: ReadonlyMap<string, number[]>, observations: readonly FloorObservation[], ids: Int32Array): void {
    const c = this.config;
    const born: Array<{ id: number; members: number[] }> = [];
    for (const camera of cameras) {
      const rows = byCamera.get(camera)!.filter((k) => ids[k] === -1);
      if (rows.length === 0) continue;
      const n = rows.length, m = born.length;
      const cost = new Float64Array(n * m);
      for (let a = 0; a < n; a++) {
        const o = observations[rows[a]!]!;
        for (let b = 0; b < m; b++) cost[a * m + b] = this.birthCost(o, born[b]!.members.map((k) => observations[k]!));
      }
      const { rowToCol } = this.solver.solveWithLimit(cost, n, m, c.costLimit);
      for (let a = 0; a < n; a++) {
        const k = rows[a]!;
        const b = rowToCol[a]!;
        if (b >= 0) {
          born[b]!.members.push(k);
          ids[k] = born[b]!.id;
        } else {
          const id = this.create(frame);
          born.push({ id, members: [k] });
          ids[k] = id;
        }
      }
    }
  }

  private birthCost(o: FloorObservation, members: readonly FloorObservation[]): number {
    const c = this.config;
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

  private create(frame: number): number {
    const id = this.nextId++;
    this.identities.set(id, { id, state: undefined, lastFrame: frame, lastPosition: undefined, predictedTo: frame, hits: 0, bornAt: frame, firstPosition: undefined, mean: undefined, views: new Map(), cameras: new Set(), exited: false });
    return id;
  }

  /** Measurements, appearance and bindings; negative ids held by holdStrained are reported as their identity. */
  private correct(frame: number, observations: readonly FloorObservation[], ids: Int32Array): void {
    const c = this.config;
    const seen = new Set<number>();
    const seenCameras = new Map<number, Set<string>>();
    observations.forEach((o, k) => {
      const held = ids[k]! <= -2;
      const id = held ? -2 - ids[k]! : ids[k]!;
      ids[k] = id;
      const g = this.identities.get(id);
      if (!g) return;
      if (!seenCameras.has(id)) seenCameras.set(id, new Set());
      seenCameras.get(id)!.add(o.camera);
      const binding = this.bindings.get(key(o));
      if (held) return;
      if (!binding || this.resolve(binding.identity) !== id) this.bindings.set(key(o), { identity: id, lastFrame: frame, strain: 0 });
      const own = this.bindings.get(key(o))!;
      own.lastFrame = frame;
      if (o.point) {
        if (!this.tracked(g, frame)) g.state = floorInitiate(o.point, c.velocityVariance);
        else floorUpdate(g.state!, o.point);
        g.exited = false;
        g.predictedTo = frame;
        if (!seen.has(id)) g.hits++;
        g.lastFrame = frame;
        seen.add(id);
      } else if (!seen.has(id)) {
        g.lastFrame = Math.max(g.lastFrame, frame);
      }
      if (o.embedding) {
        const view = g.views.get(o.camera);
        const similarity = view ? dot(o.embedding, view) : 1;
        // An embedding unlike this camera's view of the identity is somebody else's (or an occluder's): not learnt.
        if (similarity < c.splitSimilarity) own.strain++;
        else if (!this.clear[k]) own.strain = 0;
        else {
          own.strain = 0;
          if (!view) g.views.set(o.camera, Float32Array.from(o.embedding));
          else blendUnitInto(view, o.embedding, c.galleryMomentum);
          if (!g.mean) g.mean = Float32Array.from(o.embedding);
          else blendUnitInto(g.mean, o.embedding, c.galleryMomentum);
        }
      } else own.strain = 0;
    });
    for (const [id, cameras] of seenCameras) {
      const g = this.identities.get(id);
      if (g) g.cameras = cameras;
    }
    this.positions = [];
    for (const id of seen) {
      const g = this.identities.get(id)!;
      g.lastPosition = [g.state!.mean[0]!, g.state!.mean[1]!];
      g.firstPosition ??= g.lastPosition;
      this.positions.push({ globalId: id, x: g.lastPosition[0], y: g.lastPosition[1] });
    }
  }

  /** Identities seen this frame by disjoint sets of cameras at one floor position, mergeFrames frames running, are one person. */
  private mergeCoincident(observations: readonly FloorObservation[], ids: Int32Array): void {
    const c = this.config;
    const camerasOf = new Map<number, Set<string>>();
    observations.forEach((o, k) => {
      let set = camerasOf.get(ids[k]!);
      if (!set) camerasOf.set(ids[k]!, (set = new Set()));
      set.add(o.camera);
    });
    const current = this.positions.map((p) => this.identities.get(p.globalId)!);
    const touched = new Set<number>();
    for (let a = 0; a < current.length; a++) {
      for (let b = a + 1; b < current.length; b++) {
        const ga = current[a]!, gb = current[b]!;
        if (!this.identities.has(ga.id) || !this.identities.has(gb.id)) continue;
        const dx = ga.state!.mean[0]! - gb.state!.mean[0]!, dy = ga.state!.mean[1]! - gb.state!.mean[1]!;
        if (dx * dx + dy * dy > 4) continue;
        const pb = gb.state!.covariance;
        const d2 = floorDistanceSquared(ga.state!, { x: gb.state!.mean[0]!, y: gb.state!.mean[1]!, covariance: [pb[0]!, pb[1]!, pb[5]!] });
        if (!(d2 <= c.mergeGate)) continue;
        const sa = camerasOf.get(ga.id), sb = camerasOf.get(gb.id);
        if (sa && sb && [...sa].some((camera) => sb.has(camera))) continue;
        const [keep, drop] = ga.id < gb.id ? [ga, gb] : [gb, ga];
        const pair = keep.id * 1_000_003 + drop.id;
        touched.add(pair);
        const count = (this.coincidence.get(pair) ?? 0) + 1;
        this.coincidence.set(pair, count);
        if (count < c.mergeFrames) continue;
        if (c.useAppearance && keep.mean && drop.mean && dot(keep.mean, drop.mean) < c.mergeMinSimilarity) continue;
        this.merge(keep, drop);
        for (let k = 0; k < ids.length; k++) if (ids[k] === drop.id) ids[k] = keep.id;
      }
    }
    for (const pair of [...this.coincidence.keys()]) if (!touched.has(pair)) this.coincidence.delete(pair);
    if (touched.size > 0) this.positions = this.positions.filter((p) => this.identities.has(p.globalId));
  }

  /**
   * Somebody who comes back after being out of every view gets a new identity at first (one
   * frame's embedding is too noisy to choose among look-alikes); a few frames later, with an
   * averaged appearance, the new identity takes the id of the lost one it clearly resembles and
   * could have walked from.
   */
  private reidentify(frame: number, ids: Int32Array): void {
    const c = this.config;
    for (const young of this.identities.values()) {
      if (frame - young.bornAt !== c.reidentifyAfterFrames || !young.mean || young.lastFrame !== frame) continue;
      let best: Identity | undefined;
      let bestSimilarity = -Infinity, runnerUp = -Infinity;
      for (const old of this.identities.values()) {
        if (old.lastFrame >= young.bornAt || !old.mean) continue;
        if (young.firstPosition && old.lastPosition) {
          const radius = (c.maxSpeed * (young.bornAt - old.lastFrame)) / c.fps + c.reentryMargin;
          if (Math.hypot(young.firstPosition[0] - old.lastPosition[0], young.firstPosition[1] - old.lastPosition[1]) > radius) continue;
        }
        const similarity = this.bestViewSimilarity(young, old);
        if (similarity > bestSimilarity) [runnerUp, bestSimilarity, best] = [bestSimilarity, similarity, old];
        else if (similarity > runnerUp) runnerUp = similarity;
      }
      if (!best || bestSimilarity < c.reidentifySimilarity || bestSimilarity - runnerUp < c.reidentifyMargin) continue;
      this.adopt(best, young);
      for (let k = 0; k < ids.length; k++) if (ids[k] === young.id) ids[k] = best.id;
      this.positions = this.positions.map((p) => (p.globalId === young.id ? { ...p, globalId: best.id } : p));
    }
  }

  /** Cosine of the new identity with the old one as seen from the same camera where possible. */
  private bestViewSimilarity(young: Identity, old: Identity): number {
    let best = dot(young.mean!, old.mean!);
    for (const [camera, view] of young.views) {
      const seen = old.views.get(camera);
      if (seen) best = Math.max(best, dot(view, seen));
    }
    return best;
  }

  /** The old identity continues with the new one's floor state and appearance. */
  private adopt(old: Identity, young: Identity): void {
    this.mergedInto.set(young.id, old.id);
    this.identities.delete(young.id);
    old.state = young.state;
    old.exited = young.exited;
    old.lastFrame = young.lastFrame;
    old.lastPosition = young.lastPosition;
    old.predictedTo = young.predictedTo;
    old.hits += young.hits;
    for (const [camera, view] of young.views) {
      const mine = old.views.get(camera);
      if (mine) blendUnitInto(mine, view, 0.5);
      else old.views.set(camera, view);
    }
    if (young.mean) blendUnitInto(old.mean!, young.mean, 0.5);
  }

  private merge(keep: Identity, drop: Identity): void {
    this.mergedInto.set(drop.id, keep.id);
    this.identities.delete(drop.id);
    for (const [camera, view] of drop.views) if (!keep.views.has(camera)) keep.views.set(camera, view);
    if (drop.mean && !keep.mean) keep.mean = drop.mean;
    keep.hits += drop.hits;
  }

  private resolve(id: number): number {
    let root = id;
    while (this.mergedInto.has(root)) root = this.mergedInto.get(root)!;
    if (root !== id) this.mergedInto.set(id, root);
    return root;
  }

  private forget(frame: number): void {
    const c = this.config;
    for (const g of this.identities.values()) {
      const unseen = frame - g.lastFrame;
      if (unseen > c.lostTtlFrames || (unseen > c.coastFrames && g.hits < c.minHits)) this.identities.delete(g.id);
    }
    for (const [k, binding] of this.bindings) if (frame - binding.lastFrame > c.lostTtlFrames) this.bindings.delete(k);
  }
}

function key(o: FloorObservation): string {
  return `${o.camera}\u0000${o.trackId}`;
}

