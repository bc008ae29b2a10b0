import { describe, expect, it } from "vitest";
import { IdentityManager } from "./identity-manager.js";

function vector(...values: number[]): Float32Array {
  const v = Float32Array.from(values);
  const n = Math.hypot(...values);
  return v.map((x) => x / n);
}
const red = vector(1, 0, 0, 0);
const blue = vector(0, 1, 0, 0);
/** cos(red, redAsSeenElsewhere) = 0.6: too far apart for appearance alone at 0.65. */
const redAsSeenElsewhere = vector(0.6, 0, 0.8, 0);

describe("IdentityManager", () => {
  it("gives one id to tracks of two cameras that coincide on the floor, even when appearance disagrees", () => {
    const withFloor = new IdentityManager();
    const withoutFloor = new IdentityManager({ useGroundPlane: false });
    for (const manager of [withFloor, withoutFloor]) {
      manager.update(1, [{ camera: "a", trackId: 1, embedding: red, mapPoint: [2, 3] }]);
    }
    const observations = [
      { camera: "a", trackId: 1, embedding: red, mapPoint: [2, 3] as [number, number] },
      { camera: "b", trackId: 7, embedding: redAsSeenElsewhere, mapPoint: [2.3, 3.1] as [number, number] },
    ];
    const a = withFloor.update(2, observations);
    expect(a[1]).toBe(a[0]);
    const b = withoutFloor.update(2, observations);
    expect(b[1]).not.toBe(b[0]);
  });

  it("matches by appearance at ≥ 0.65 cosine and keeps ids for known tracks", () => {
    const manager = new IdentityManager({ useGroundPlane: false });
    const [first] = manager.update(1, [{ camera: "a", trackId: 1, embedding: red }]);
    // The person leaves camera a and a new track appears in camera b with a similar look.
    const [again] = manager.update(5, [{ camera: "b", trackId: 3, embedding: vector(0.9, 0.2, 0.1, 0) }]);
    expect(again).toBe(first);
    const [stranger] = manager.update(6, [{ camera: "b", trackId: 4, embedding: blue }]);
    expect(stranger).not.toBe(first);
    expect(manager.update(7, [{ camera: "b", trackId: 3, embedding: blue }])[0]).toBe(first);
  });

  it("gives an identity once per camera and frame, solving conflicts by assignment", () => {
    const manager = new IdentityManager({ useGroundPlane: false });
    const [r] = manager.update(1, [{ camera: "a", trackId: 1, embedding: red }]);
    const [b] = manager.update(2, [{ camera: "a", trackId: 2, embedding: blue }]);
    // Two new tracks in camera c: the first looks a bit like both, the second exactly like red.
    // Greedy in order would give red to the first; assignment gives red to the second and blue to the first.
    const ids = manager.update(10, [
      { camera: "c", trackId: 10, embedding: vector(0.8, 0.7, 0, 0) },
      { camera: "c", trackId: 11, embedding: red },
    ]);
    expect(ids[1]).toBe(r);
    expect(ids[0]).toBe(b);
  });

  it("never reports one identity twice in a camera when an old track comes back", () => {
    const manager = new IdentityManager({ useGroundPlane: false });
    const [first] = manager.update(1, [{ camera: "a", trackId: 1, embedding: red }]);
    // Track 1 drops out; track 2 of the same person takes the identity; then track 1 reappears.
    expect(manager.update(2, [{ camera: "a", trackId: 2, embedding: red }])[0]).toBe(first);
    const ids = manager.update(3, [
      { camera: "a", trackId: 1, embedding: red },
      { camera: "a", trackId: 2, embedding: red },
    ]);
    expect(ids[1]).toBe(first);
    expect(ids[0]).not.toBe(first);
  });

  it("refuses identities that would have to move faster than maxSpeed", () => {
    const manager = new IdentityManager({ maxSpeed: 2, groundGate: 1, fps: 10 });
    const [first] = manager.update(1, [{ camera: "a", trackId: 1, embedding: red, mapPoint: [0, 0] }]);
    // 10 frames = 1 s later, 10 m away: impossible at 2 m/s.
    const [far] = manager.update(11, [{ camera: "b", trackId: 2, embedding: red, mapPoint: [10, 0] }]);
    expect(far).not.toBe(first);
    const [near] = manager.update(12, [{ camera: "c", trackId: 3, embedding: red, mapPoint: [0.5, 0.5] }]);
    expect(near).toBe(first);
  });

  it("never puts one identity in two cameras that do not overlap at the same time", () => {
    const manager = new IdentityManager({ overlaps: [["a", "b"]], useGroundPlane: false });
    const [first] = manager.update(1, [{ camera: "a", trackId: 1, embedding: red }]);
    const ids = manager.update(2, [
      { camera: "a", trackId: 1, embedding: red },
      { camera: "c", trackId: 5, embedding: red },
    ]);
    expect(ids[0]).toBe(first);
    expect(ids[1]).not.toBe(first);
  });

  it("hands off through an exit zone with a bonus, and forgets identities after their time to live", () => {
    const zone = { camera: "a", area: [9, 0, 10, 10] as const, handoffTo: ["b"] };
    const lookAlike = vector(0.55, 0.835, 0, 0); // cosine 0.55 with red: below 0.65 without the bonus
    const handoff = new IdentityManager({ exitZones: [zone], handoffBonus: 0.15, useGroundPlane: false, lostTtlFrames: 50 });
    const plain = new IdentityManager({ useGroundPlane: false });
    for (const manager of [handoff, plain]) manager.update(1, [{ camera: "a", trackId: 1, embedding: red, mapPoint: [9.5, 5] }]);
    expect(handoff.update(3, [{ camera: "b", trackId: 2, embedding: lookAlike }])[0]).toBe(1);
    expect(plain.update(3, [{ camera: "b", trackId: 2, embedding: lookAlike }])[0]).not.toBe(1);
    const forgetful = new IdentityManager({ lostTtlFrames: 5, useGroundPlane: false });
    forgetful.update(1, [{ camera: "a", trackId: 1, embedding: red }]);
    forgetful.update(10, [{ camera: "b", trackId: 9, embedding: blue }]);
    expect(forgetful.update(11, [{ camera: "b", trackId: 2, embedding: red }])[0]).not.toBe(1);
  });
});
