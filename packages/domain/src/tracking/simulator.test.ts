import { describe, expect, it } from "vitest";
import { bottomCentre } from "./geometry.js";
import { projectPoint } from "./homography.js";
import { simulateScene } from "./simulator.js";

describe("simulateScene", () => {
  const scene = simulateScene({ frames: 120 });

  it("is reproducible from its seed", () => {
    const again = simulateScene({ frames: 120 });
    expect(Array.from(again.frames[77]![2]!.boxes)).toEqual(Array.from(scene.frames[77]![2]!.boxes));
    expect(Array.from(simulateScene({ frames: 120, seed: 2 }).frames[77]![2]!.boxes)).not.toEqual(Array.from(scene.frames[77]![2]!.boxes));
  });

  it("projects every ground-truth box's bottom centre to its person's floor position", () => {
    for (const [c, camera] of scene.cameras.entries()) {
      for (const g of scene.frames[50]![c]!.groundTruth) {
        const [x, y] = projectPoint(camera.imageToMap, ...bottomCentre(g.box));
        expect(Math.hypot(x - g.foot[0], y - g.foot[1])).toBeLessThan(1e-6);
      }
    }
  });

  it("has partly overlapping views, occlusion, misses, false positives and walking speeds", () => {
    let seenByMany = 0, seen = 0, occluded = 0, boxes = 0, detections = 0, falsePositives = 0;
    for (const frame of scene.frames) {
      const cameras = new Map<number, number>();
      for (const data of frame) {
        for (const g of data.groundTruth) {
          cameras.set(g.personId, (cameras.get(g.personId) ?? 0) + 1);
          boxes++;
          if (g.visibility < 0.5) occluded++;
        }
        detections += data.count;
        falsePositives += data.personIds.filter((p) => p < 0).length;
        expect(data.embeddings.length).toBe(data.count * scene.config.appearance.dim);
      }
      seen += cameras.size;
      seenByMany += [...cameras.values()].filter((n) => n > 1).length;
    }
    expect(seenByMany / seen).toBeGreaterThan(0.2);
    expect(seenByMany / seen).toBeLessThan(0.9);
    expect(occluded).toBeGreaterThan(0);
    expect(detections - falsePositives).toBeLessThan(boxes);
    expect(falsePositives).toBeGreaterThan(0);
    const [a, b] = [scene.positions[10]!, scene.positions[11]!];
    for (let p = 0; p < scene.config.people; p++) {
      expect(Math.hypot(a[2 * p]! - b[2 * p]!, a[2 * p + 1]! - b[2 * p + 1]!) * scene.config.fps).toBeLessThan(2.5);
    }
  });
});
