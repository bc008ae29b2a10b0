import { describe, expect, it } from "vitest";
import { evaluateSceneTracking, trackScene } from "./multi-camera.js";
import { simulateScene } from "./simulator.js";

/**
 * Regression floors recorded on the default scene (seed 1: 4 cameras, 20 people, 600 frames at
 * 10 fps). Measured when written: per camera IDF1 0.47–0.57 and MOTA 0.76–0.80 for both trackers;
 * cross-camera IDF1 with the identity manager's ground-plane consistency 0.597 (ByteTrack) / 0.643
 * (BoT-SORT) against 0.533 / 0.571 with appearance only; with the multi-view floor association
 * (identityMode "fused", the default) 0.870 / 0.870 (multi-view-scenes.test.ts has more scenes).
 */
describe("multi-camera tracking on the default simulated scene", () => {
  const scene = simulateScene();
  for (const tracker of ["bytetrack", "botsort"] as const) {
    it(`${tracker}: floor-fused identities beat appearance-only, and per-camera scores hold their floors`, () => {
      const withFloor = evaluateSceneTracking(trackScene(scene, { tracker }));
      const appearanceOnly = evaluateSceneTracking(trackScene(scene, { tracker, identityMode: "appearance" }));
      console.info(`${tracker}: cross-camera IDF1 ${withFloor.crossCameraIdf1.toFixed(4)} (fused) vs ${appearanceOnly.crossCameraIdf1.toFixed(4)} (appearance only)`);
      expect(withFloor.crossCameraIdf1).toBeGreaterThan(appearanceOnly.crossCameraIdf1 + 0.1);
      expect(withFloor.crossCameraIdf1).toBeGreaterThanOrEqual(0.86);
      for (const camera of withFloor.perCamera) {
        expect(camera.idf1, camera.camera).toBeGreaterThanOrEqual(0.46);
        expect(camera.mota, camera.camera).toBeGreaterThanOrEqual(0.75);
        expect(camera.hota, camera.camera).toBeGreaterThanOrEqual(0.43);
      }
    });
  }
});
