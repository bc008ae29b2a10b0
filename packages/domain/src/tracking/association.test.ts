import { describe, expect, it } from "vitest";
import { AssociationResult, Associator, type PairCosting } from "./association.js";
import { SeededRandom } from "./random.js";
import { Track, type FrameDetections } from "./track.js";

/** ByteTrack's fused cost; `sparse` says whether the associator may skip non-overlapping pairs. */
function costing(sparse: boolean): PairCosting {
  return {
    prepare: () => {},
    cost: (_track, detections, detection, _column, iou) => 1 - iou * detections.scores[detection]!,
    nonOverlappingCostsAtLeastOne: () => sparse,
  };
}

function randomFrame(random: SeededRandom, count: number, grid: boolean): FrameDetections {
  const boxes = new Float64Array(4 * count);
  const scores = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    // On a coarse grid many pairs have equal IoUs, so ties must be broken the same way.
    const x = grid ? 20 * random.int(12) : random.uniform(0, 300), y = grid ? 20 * random.int(6) : random.uniform(0, 150);
    const w = grid ? 40 : random.uniform(10, 60), h = grid ? 80 : random.uniform(20, 120);
    boxes.set([x, y, x + w, y + h], 4 * i);
    scores[i] = grid ? 0.9 : random.uniform(0.6, 1);
  }
  return { count, boxes, scores };
}

describe("Associator", () => {
  it("matches exactly as the full cost matrix does when only overlapping pairs are costed", () => {
    const random = new SeededRandom(3);
    const sparse = new Associator(costing(true)), dense = new Associator(costing(false));
    let matched = 0;
    for (let trial = 0; trial < 300; trial++) {
      const grid = trial % 2 === 0;
      const previous = randomFrame(random, random.int(25), grid);
      const tracks = Array.from({ length: previous.count }, (_, i) => new Track(previous.boxes, 4 * i, 0.9, undefined));
      const detections = randomFrame(random, 1 + random.int(25), grid);
      const indices = Array.from({ length: detections.count }, (_, i) => i).filter(() => random.next() < 0.8);
      const limit = [0.5, 0.7, 0.8, 1][trial % 4]!;
      const a = sparse.associate(tracks, detections, indices, limit, true, new AssociationResult());
      const b = dense.associate(tracks, detections, indices, limit, true, new AssociationResult());
      expect(a).toEqual(b);
      matched += a.matchedTracks.length;
    }
    expect(matched).toBeGreaterThan(500);
  });
});
