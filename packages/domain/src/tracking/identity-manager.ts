import { DEFAULT_IDENTITY_CONFIG, type IdentityConfig } from "./identity-config.js";
import { LinearAssignmentSolver } from "./lapjv.js";
import { dot, sumOfSquares, blendUnitInto, unitVector } from "./vector-kernels.js";

/** One camera's track in the current frame, as the identity manager sees it. */
export interface IdentityObservation {
  readonly camera: string;
  readonly trackId: number;
  readonly embedding?: Float32Array;
  /** Floor position (metres) of the box's bottom centre, when the camera is calibrated. */
  readonly mapPoint?: readonly [number, number];
}

interface Identity {
  readonly id: number;
  embedding: Float32Array | undefined;
  lastFrame: number;
  position: [number, number] | undefined;
  cameras: Set<string>;
}

/**
 * Gives every camera's track a global id. A track keeps the id it got first; a new track is
 * matched against the gallery (active and recently lost identities) by appearance, by ground-plane
 * consistency (someone seen by another camera at the same floor position right now), the speed
 * limit, camera-overlap and exit-zone handoff rules; per camera, conflicts are solved by
 * assignment. Identities whose tracks coincide on the floor for several frames are merged.
 */
export class IdentityManager {
  readonly config: IdentityConfig;
  private readonly identities = new Map<number, Identity>();
  private readonly bindings = new Map<string, { identity: number; lastFrame: number }>();
  private readonly mergedInto = new Map<number, number>();
  private readonly coincidence = new Map<string, number>();
  private readonly overlapping: Set<string> | undefined;
  private readonly solver = new LinearAssignmentSolver();
  private nextId = 1;

  constructor(config: Partial<IdentityConfig> = {}) {
    this.config = { ...DEFAULT_IDENTITY_CONFIG, ...config };
    this.overlapping = this.config.overlaps ? new Set(this.config.overlaps.flatMap(([a, b]) => [`${a}|${b}`, `${b}|${a}`])) : undefined;
  }

  /** Forgets every track binding (new sub-videos restart the trackers) but keeps the gallery. */
  resetTracks(): void {
    this.bindings.clear();
    this.coincidence.clear();
  }

  get identityCount(): number {
    return this.identities.size;
  }

  update(frame: number, input: readonly IdentityObservation[]): Int32Array {
    // Embeddings are L2-normalised once here; everything below compares unit vectors.
    const observations = input.map((o) => (o.embedding && !isUnit(o.embedding) ? { ...o, embedding: unitVector(o.embedding) } : o));
    const result = new Int32Array(observations.length).fill(-1);
    observations.forEach((o, k) => {
      const binding = this.bindings.get(key(o));
      if (binding) result[k] = this.resolve(binding.identity);
    });
    this.releaseDuplicates(observations, result);
    if (this.config.useGroundPlane) this.mergeCoincident(observations, result);
    this.assignNewTracks(frame, observations, result);
    this.refresh(frame, observations, result);
    return result;
  }

  /**
   * A track that came back after a gap may hold the identity that meanwhile went to another
   * track of the same camera: the track seen most recently keeps it, the other is identified anew.
   */
  private releaseDuplicates(observations: readonly IdentityObservation[], ids: Int32Array): void {
    const holder = new Map<string, number>();
    observations.forEach((o, k) => {
      if (ids[k]! < 0) return;
      const slot = `${o.camera}\u0000${ids[k]}`;
      const other = holder.get(slot);
      if (other === undefined) {
        holder.set(slot, k);
        return;
      }
      const mine = this.bindings.get(key(o))!.lastFrame;
      const theirs = this.bindings.get(key(observations[other]!))!.lastFrame;
      const loser = mine > theirs ? other : k;
      if (loser === other) holder.set(slot, k);
      ids[loser] = -1;
      this.bindings.delete(key(observations[loser]!));
    });
  }

  private overlaps(a: string, b: string): boolean {
    return a === b || !this.overlapping || this.overlapping.has(`${a}|${b}`);
  }

  private resolve(id: number): number {
    let root = id;
    while (this.mergedInto.has(root)) root = this.mergedInto.get(root)!;
    if (root !== id) this.mergedInto.set(id, root);
    return root;
  }

  /** Ground-plane consistency: identities seen at one floor position by two cameras for mergeFrames frames are one. */
  private mergeCoincident(observations: readonly IdentityObservation[], ids: Int32Array): void {
    const { groundGate, mergeFrames, mergeMinSimilarity } = this.config;
    const touched = new Set<string>();
    const camerasOf = new Map<number, Set<string>>();
    observations.forEach((o, k) => {
      if (ids[k]! < 0) return;
      let set = camerasOf.get(ids[k]!);
      if (!set) camerasOf.set(ids[k]!, (set = new Set()));
      set.add(o.camera);
    });
    for (let a = 0; a < observations.length; a++) {
      const oa = observations[a]!;
      if (ids[a]! < 0 || !oa.mapPoint) continue;
      for (let b = a + 1; b < observations.length; b++) {
        const ob = observations[b]!;
        if (ids[b]! < 0 || !ob.mapPoint || ob.camera === oa.camera || ids[a] === ids[b] || !this.overlaps(oa.camera, ob.camera)) continue;
        const dx = oa.mapPoint[0] - ob.mapPoint[0], dy = oa.mapPoint[1] - ob.mapPoint[1];
        // hypot ≥ max(|dx|, |dy|): far pairs are rejected without the (slow) Math.hypot, same outcome.
        if (Math.abs(dx) > groundGate || Math.abs(dy) > groundGate || Math.hypot(dx, dy) > groundGate) continue;
        const [low, high] = ids[a]! < ids[b]! ? [ids[a]!, ids[b]!] : [ids[b]!, ids[a]!];
        const pair = `${low}:${high}`;
        if (touched.has(pair)) continue;
        touched.add(pair);
        const count = (this.coincidence.get(pair) ?? 0) + 1;
        this.coincidence.set(pair, count);
        if (count < mergeFrames) continue;
        const sharedCamera = [...(camerasOf.get(low) ?? [])].some((c) => camerasOf.get(high)?.has(c));
        const keep = this.identities.get(low), drop = this.identities.get(high);
        if (sharedCamera || !keep || !drop) continue;
        if (keep.embedding && drop.embedding && dot(keep.embedding, drop.embedding) < mergeMinSimilarity) continue;
        this.merge(keep, drop);
        for (let k = 0; k < ids.length; k++) if (ids[k] === high) ids[k] = low;
        for (const c of camerasOf.get(high) ?? []) camerasOf.get(low)?.add(c);
        camerasOf.delete(high);
      }
    }
    for (const pair of [...this.coincidence.keys()]) if (!touched.has(pair)) this.coincidence.delete(pair);
  }

  private merge(keep: Identity, drop: Identity): void {
    this.mergedInto.set(drop.id, keep.id);
    this.identities.delete(drop.id);
    if (drop.embedding) {
      if (!keep.embedding) keep.embedding = drop.embedding;
      else blendUnitInto(keep.embedding, drop.embedding, 0.5);
    }
  }

  private assignNewTracks(frame: number, observations: readonly IdentityObservation[], ids: Int32Array): void {
    const c = this.config;
    const limit = 1 - c.appearanceThreshold;
    // Where each identity is right now (bound tracks of this frame), and in which cameras.
    const now = new Map<number, { x: number; y: number; n: number; cameras: Set<string> }>();
    const note = (id: number, o: IdentityObservation) => {
      let entry = now.get(id);
      if (!entry) now.set(id, (entry = { x: 0, y: 0, n: 0, cameras: new Set() }));
      entry.cameras.add(o.camera);
      if (o.mapPoint) {
        entry.x += o.mapPoint[0];
        entry.y += o.mapPoint[1];
        entry.n++;
      }
    };
    observations.forEach((o, k) => ids[k]! >= 0 && note(ids[k]!, o));
    const cameras = [...new Set(observations.map((o) => o.camera))].sort();
    for (const camera of cameras) {
      const fresh: number[] = [];
      const taken = new Set<number>();
      observations.forEach((o, k) => {
        if (o.camera !== camera) return;
        if (ids[k]! >= 0) taken.add(ids[k]!);
        else fresh.push(k);
      });
      if (fresh.length === 0) continue;
      const candidates = [...this.identities.values()].filter((g) => !taken.has(g.id));
      const n = fresh.length, m = candidates.length;
      const cost = new Float64Array(n * m).fill(Infinity);
      for (let a = 0; a < n; a++) {
        const o = observations[fresh[a]!]!;
        for (let b = 0; b < m; b++) cost[a * m + b] = this.pairCost(frame, o, candidates[b]!, now.get(candidates[b]!.id), limit);
      }
      const { rowToCol } = this.solver.solveWithLimit(cost, n, m, limit);
      for (let a = 0; a < n; a++) {
        const k = fresh[a]!;
        const b = rowToCol[a]!;
        const id = b >= 0 ? candidates[b]!.id : this.create(frame);
        ids[k] = id;
        this.bindings.set(key(observations[k]!), { identity: id, lastFrame: frame });
        note(id, observations[k]!);
      }
    }
  }

  private pairCost(frame: number, o: IdentityObservation, g: Identity, current: { x: number; y: number; n: number; cameras: Set<string> } | undefined, limit: number): number {
    const c = this.config;
    if (current) for (const other of current.cameras) if (!this.overlaps(other, o.camera)) return Infinity;
    // Without embeddings appearance is neutral: exactly at the limit, so only floor evidence can tip it.
    let cost = o.embedding && g.embedding ? 1 - dot(o.embedding, g.embedding) : limit;
    if (c.useGroundPlane && o.mapPoint) {
      if (current && current.n > 0) {
        const d = Math.hypot(o.mapPoint[0] - current.x / current.n, o.mapPoint[1] - current.y / current.n);
        // Seen elsewhere right now, somewhere else: cannot be this person.
        if (d > c.groundGate) return Infinity;
        cost += c.groundDistanceWeight * (d / c.groundGate) - c.groundBonus;
      } else if (g.position && g.lastFrame < frame) {
        const seconds = (frame - g.lastFrame) / c.fps;
        const d = Math.hypot(o.mapPoint[0] - g.position[0], o.mapPoint[1] - g.position[1]);
        if (d > c.maxSpeed * seconds + c.groundGate) return Infinity;
      }
    }
    if (!current && g.position && frame - g.lastFrame <= c.handoffWindowFrames && this.handsOff(g, o.camera)) cost -= c.handoffBonus;
    return cost;
  }

  /** Was the identity last seen inside an exit zone that leads to `camera`? */
  private handsOff(g: Identity, camera: string): boolean {
    return this.config.exitZones.some((z) => g.cameras.has(z.camera) && z.handoffTo.includes(camera) && inside(z.area, g.position!));
  }

  private create(frame: number): number {
    const id = this.nextId++;
    this.identities.set(id, { id, embedding: undefined, lastFrame: frame, position: undefined, cameras: new Set() });
    return id;
  }

  private refresh(frame: number, observations: readonly IdentityObservation[], ids: Int32Array): void {
    const c = this.config;
    const seen = new Map<number, { x: number; y: number; n: number; cameras: Set<string> }>();
    observations.forEach((o, k) => {
      const id = ids[k]!;
      const g = this.identities.get(id);
      if (!g) return;
      const binding = this.bindings.get(key(o));
      if (binding) {
        binding.identity = id;
        binding.lastFrame = frame;
      }
      if (o.embedding) {
        const e = o.embedding;
        if (!g.embedding) g.embedding = Float32Array.from(e);
        else blendUnitInto(g.embedding, e, c.galleryMomentum);
      }
      let entry = seen.get(id);
      if (!entry) seen.set(id, (entry = { x: 0, y: 0, n: 0, cameras: new Set() }));
      entry.cameras.add(o.camera);
      if (o.mapPoint) {
        entry.x += o.mapPoint[0];
        entry.y += o.mapPoint[1];
        entry.n++;
      }
    });
    for (const g of this.identities.values()) {
      const entry = seen.get(g.id);
      if (entry) {
        g.lastFrame = frame;
        g.cameras = entry.cameras;
        if (entry.n > 0) g.position = [entry.x / entry.n, entry.y / entry.n];
        continue;
      }
      if (frame - g.lastFrame > c.lostTtlFrames) this.identities.delete(g.id);
    }
    for (const [k, binding] of this.bindings) if (frame - binding.lastFrame > c.lostTtlFrames) this.bindings.delete(k);
  }
}

function key(o: IdentityObservation): string {
  return `${o.camera}\u0000${o.trackId}`;
}

function inside(area: readonly [number, number, number, number], p: readonly [number, number]): boolean {
  return p[0] >= area[0] && p[0] <= area[2] && p[1] >= area[1] && p[1] <= area[3];
}

function isUnit(v: Float32Array): boolean {
  return Math.abs(sumOfSquares(v) - 1) < 1e-5;
}

