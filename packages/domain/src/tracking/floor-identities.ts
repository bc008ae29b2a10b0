import { FloorCoverage } from "./floor-coverage.js";
import { floorDistanceSquared, floorInitiate, floorPredict, floorUpdate } from "./floor-kalman.js";
import { LinearAssignmentSolver } from "./lapjv.js";
import { dot, unitVector } from "./vector-kernels.js";
import { DEFAULT_FLOOR_IDENTITY_CONFIG, FLOOR_ONLY_DEFAULTS, type FloorIdentityConfig } from "./floor-identity-config.js";
import { birthCost, overlappingCameras, pairCost, type OverlappingCameras } from "./floor-identity-costs.js";
import { absorb, bestViewSimilarity, continueWith, isTracked, learnAppearance, newIdentity, type FloorObservation, type Identity, type IdentityPosition } from "./floor-identity-record.js";

export type { FloorObservation, IdentityPosition } from "./floor-identity-record.js";

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
  private readonly overlapping: OverlappingCameras;
  private readonly coverage: FloorCoverage;
  private positions: IdentityPosition[] = [];
  /** Per observation of the current frame: was its assignment clear enough to learn its appearance from? */
  private clear = new Uint8Array(0);
  private nextId = 1;

  constructor(config: Partial<FloorIdentityConfig> = {}) {
    this.config = { ...DEFAULT_FLOOR_IDENTITY_CONFIG, ...(config.useAppearance === false ? FLOOR_ONLY_DEFAULTS : {}), ...config };
    this.overlapping = overlappingCameras(this.config.overlaps);
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
      if (frame - g.lastFrame < c.exitAfterFrames || !isTracked(g, frame, c.coastFrames)) continue;
      if (!this.coverage.nearAnyView(g.state!.mean[0]!, g.state!.mean[1]!)) g.exited = true;
    }
  }

  private predict(frame: number): void {
    const c = this.config;
    for (const g of this.identities.values()) {
      if (!isTracked(g, frame, c.coastFrames) || frame <= g.predictedTo) continue;
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
        let value = pairCost(this.config, this.overlapping, frame, camera, o, g);
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
        for (let b = 0; b < m; b++) cost[a * m + b] = birthCost(c, o, born[b]!.members.map((k) => observations[k]!));
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

  private create(frame: number): number {
    const id = this.nextId++;
    this.identities.set(id, newIdentity(id, frame));
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
        if (!isTracked(g, frame, c.coastFrames)) g.state = floorInitiate(o.point, c.velocityVariance);
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
          learnAppearance(g, o.camera, o.embedding, c.galleryMomentum);
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
        this.retire(drop, keep);
        absorb(keep, drop);
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
        const similarity = bestViewSimilarity(young, old);
        if (similarity > bestSimilarity) [runnerUp, bestSimilarity, best] = [bestSimilarity, similarity, old];
        else if (similarity > runnerUp) runnerUp = similarity;
      }
      if (!best || bestSimilarity < c.reidentifySimilarity || bestSimilarity - runnerUp < c.reidentifyMargin) continue;
      this.retire(young, best);
      continueWith(best, young);
      for (let k = 0; k < ids.length; k++) if (ids[k] === young.id) ids[k] = best.id;
      this.positions = this.positions.map((p) => (p.globalId === young.id ? { ...p, globalId: best.id } : p));
    }
  }

  /** Bindings that still name the retired identity resolve to the one it joined. */
  private retire(gone: Identity, into: Identity): void {
    this.mergedInto.set(gone.id, into.id);
    this.identities.delete(gone.id);
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

