import { describe, expect, it } from "vitest";
import { lookAtCamera, projectWorld } from "./camera.js";
import { FloorCoverage } from "./floor-coverage.js";
import { FloorIdentities, type FloorObservation } from "./floor-identities.js";
import { floorDistanceSquared, floorInitiate, floorPredict, floorUpdate, footOnFloor, type FloorPoint } from "./floor-kalman.js";

function vector(...values: number[]): Float32Array {
  const n = Math.hypot(...values);
  return Float32Array.from(values, (v) => v / n);
}
const red = vector(1, 0.1, 0, 0);
const blue = vector(0.1, 1, 0, 0);

function at(x: number, y: number, sigma = 0.1): FloorPoint {
  return { x, y, covariance: [sigma * sigma, 0, sigma * sigma] };
}

function observe(camera: string, trackId: number, point: FloorPoint, embedding?: Float32Array): FloorObservation {
  return { camera, trackId, point, ...(embedding ? { embedding } : {}) };
}

describe("floor geometry", () => {
  it("widens a foot point's uncertainty with distance from the camera, mostly along the line of sight", () => {
    const camera = lookAtCamera("a", [0, 0, 4], [10, 0, 0], { width: 1280, height: 720, focal: 1100 });
    const boxAt = (x: number) => {
      // A 1.7 m person standing at (x, 0): head and foot through the camera model.
      const [u, vFoot] = projectWorld(camera, x, 0, 0);
      const [, vHead] = projectWorld(camera, x, 0, 1.7);
      const h = vFoot - vHead;
      return [u - 0.2 * h, vHead, u + 0.2 * h, vFoot];
    };
    const near = footOnFloor(camera.imageToMap, boxAt(5), 0.03, 0)!;
    const far = footOnFloor(camera.imageToMap, boxAt(20), 0.03, 0)!;
    expect(near.x).toBeCloseTo(5, 6);
    expect(far.x).toBeCloseTo(20, 6);
    // Camera looks along +x: depth error (xx) dominates and grows with distance.
    expect(far.covariance[0]).toBeGreaterThan(4 * near.covariance[0]);
    expect(far.covariance[0]).toBeGreaterThan(10 * far.covariance[2]);
  });

  it("tracks a walker with the floor Kalman filter and gates by Mahalanobis distance", () => {
    const state = floorInitiate(at(0, 0), 1);
    for (let f = 1; f <= 20; f++) {
      floorPredict(state, 0.1, 1);
      floorUpdate(state, at(0.13 * f, 0, 0.05));
    }
    expect(state.mean[2]).toBeCloseTo(1.3, 1);
    floorPredict(state, 0.1, 1);
    expect(floorDistanceSquared(state, at(0.13 * 21, 0))).toBeLessThan(1);
    expect(floorDistanceSquared(state, at(0.13 * 21, 1.5))).toBeGreaterThan(13.8);
  });
});

describe("FloorIdentities", () => {
  it("gives one identity to the cameras that see one person at one floor position, and one per camera", () => {
    const identities = new FloorIdentities({ useAppearance: false });
    const ids = identities.update(1, [observe("a", 1, at(2, 3)), observe("b", 7, at(2.02, 3.01)), observe("a", 2, at(2.3, 3))]);
    expect(new Set(ids).size).toBe(2);
    expect(ids[1]).toBe(ids[0]);
    expect(identities.floorPositions).toHaveLength(2);
  });

  it("keeps the identity while one view is occluded and gives it back to that view by position", () => {
    const identities = new FloorIdentities();
    let first = -1;
    for (let f = 1; f <= 60; f++) {
      const p = at(0.13 * f, 0);
      const observations = [observe("b", 11, p, red)];
      // Camera a loses the person for frames 20–39; its tracker then starts a new track (3).
      if (f < 20) observations.push(observe("a", 1, p, red));
      if (f >= 40) observations.push(observe("a", 3, p, red));
      const ids = identities.update(f, observations);
      if (f === 1) first = ids[0]!;
      for (const id of ids) expect(id, `frame ${f}`).toBe(first);
    }
  });

  /**
   * Two people swap places while camera a cannot see them; its tracker comes back with its track
   * ids swapped (a per-camera id switch). Camera b sees them all along.
   */
  for (const useAppearance of [false, true]) {
    it(`keeps global ids with the right people through a per-camera id switch under occlusion (${useAppearance ? "fused" : "floor only"})`, () => {
      const identities = new FloorIdentities({ useAppearance });
      const p = (f: number) => at(0.1 * f, 0);
      const q = (f: number) => at(6 - 0.1 * f, 0.6);
      let idP = -1, idQ = -1;
      for (let f = 1; f <= 60; f++) {
        const observations = [observe("b", 11, p(f), red), observe("b", 12, q(f), blue)];
        if (f < 20) observations.push(observe("a", 1, p(f), red), observe("a", 2, q(f), blue));
        if (f >= 40) observations.push(observe("a", 1, q(f), blue), observe("a", 2, p(f), red));
        const ids = identities.update(f, observations);
        if (f === 1) [idP, idQ] = [ids[0]!, ids[1]!];
        expect(idP).not.toBe(idQ);
        expect(ids[0], `b's P at frame ${f}`).toBe(idP);
        expect(ids[1], `b's Q at frame ${f}`).toBe(idQ);
        if (f < 20) expect([ids[2], ids[3]]).toEqual([idP, idQ]);
        // Track a/1 now follows Q: it is split off P's identity at once (b contradicts it), not dragged along.
        if (f >= 40) expect([ids[2], ids[3]], `a's tracks at frame ${f}`).toEqual([idQ, idP]);
      }
      const positions = new Map(identities.floorPositions.map((pos) => [pos.globalId, pos]));
      expect(positions.get(idP)!.x).toBeCloseTo(6, 0);
      expect(positions.get(idQ)!.x).toBeCloseTo(0, 0);
    });
  }

  it("splits a tracklet off its identity when it alone carries it somewhere else (no other view), after splitFrames", () => {
    const identities = new FloorIdentities({ splitFrames: 3 });
    let idP = -1;
    const seen: number[] = [];
    for (let f = 1; f <= 30; f++) {
      // Track a/1 follows P until frame 15, then jumps 3 m to a look-alike-free stranger (blue).
      const ids = identities.update(f, [observe("a", 1, f <= 15 ? at(0.1 * f, 0) : at(0.1 * f, 3), f <= 15 ? red : blue)]);
      if (f === 1) idP = ids[0]!;
      seen.push(ids[0]!);
    }
    expect(seen.slice(0, 15).every((id) => id === idP)).toBe(true);
    expect(seen.slice(20).every((id) => id !== idP)).toBe(true);
  });

  it("never puts one identity in two cameras that do not overlap at the same time", () => {
    const identities = new FloorIdentities({ overlaps: [["a", "b"]] });
    const [first] = identities.update(1, [observe("a", 1, at(2, 2), red)]);
    const ids = identities.update(2, [observe("a", 1, at(2, 2), red), observe("b", 4, at(2.1, 2), red), observe("c", 5, at(2, 2.1), red)]);
    expect(ids[0]).toBe(first);
    expect(ids[1]).toBe(first);
    expect(ids[2]).not.toBe(first);
  });

  it("hands off between cameras without overlap by appearance within the travel-time gate", () => {
    const handoff = new FloorIdentities({ maxSpeed: 2, fps: 10 });
    const [first] = handoff.update(1, [observe("a", 1, at(10, 0), red)]);
    for (let f = 2; f <= 10; f++) handoff.update(f, [observe("a", 1, at(10, 0), red)]);
    // 2 s later, 3 m on, a similar look in camera b: the same person.
    expect(handoff.update(30, [observe("b", 5, at(13, 0), vector(1, 0.2, 0.1, 0))])[0]).toBe(first);
    const tooFar = new FloorIdentities({ maxSpeed: 2, fps: 10 });
    const [other] = tooFar.update(1, [observe("a", 1, at(10, 0), red)]);
    for (let f = 2; f <= 10; f++) tooFar.update(f, [observe("a", 1, at(10, 0), red)]);
    // 2 s later, 30 m away: nobody walks that fast.
    expect(tooFar.update(30, [observe("b", 5, at(40, 0), red)])[0]).not.toBe(other);
  });

  it("lets an identity that walked out of every view exit, so a somewhat similar newcomer at the edge is not taken for it", () => {
    // cos(red, look-alike) = 0.58: enough for a coasting identity's gate (cost 2 × 0.42 < 1.1), not for re-entry (0.65).
    const lookAlike = vector(0.58, Math.sqrt(1 - 0.58 ** 2), 0, 0);
    const walkOut = (exitOutOfView: boolean) => {
      const identities = new FloorIdentities({ exitOutOfView });
      const [walker] = identities.update(1, [observe("a", 1, at(0.5, 2), vector(1, 0, 0, 0))]);
      // At 0.5 m/s along y = 2 to camera a's edge at x = 5: its learnt view is the strip it walked.
      for (let f = 2; f <= 90; f++) identities.update(f, [observe("a", 1, at(0.5 + 0.05 * (f - 1), 2), vector(1, 0, 0, 0))]);
      // Out of view for 2.5 s, its prediction 1.3 m beyond the edge; then somebody walks in where it left.
      for (let f = 91; f < 116; f++) identities.update(f, []);
      return { walker, newcomer: identities.update(116, [observe("a", 2, at(5, 2), lookAlike)])[0] };
    };
    const exits = walkOut(true);
    expect(exits.newcomer).not.toBe(exits.walker);
    // Without exits the walker's prediction coasts on, wide enough by now to take the newcomer.
    const coasts = walkOut(false);
    expect(coasts.newcomer).toBe(coasts.walker);
  });
});

describe("FloorCoverage", () => {
  it("counts a cell as visible to a camera after minPoints foot points, and tells points out of every view (neighbour cells included)", () => {
    const coverage = new FloorCoverage(0.5, 3);
    for (let k = 0; k < 2; k++) coverage.add("a", 1.2, 1.2);
    expect(coverage.nearAnyView(1.2, 1.2)).toBe(false);
    coverage.add("a", 1.1, 1.4);
    expect(coverage.nearAnyView(1.2, 1.2)).toBe(true);
    expect(coverage.nearAnyView(1.6, 0.6)).toBe(true);
    expect(coverage.nearAnyView(2.1, 1.2)).toBe(false);
  });
});
