/**
 * `npm run bench -- identity [quick]`: time per frame of cross-camera identities on the
 * observations of simulated scenes (4 and 8 cameras × 20 and 60 people, 512-d appearance as a
 * re-ID network gives): the multi-view floor association (FloorIdentities, fused: foot points
 * through the homographies with their covariances, assignment, Kalman updates) and, in the same
 * run on the same observations, the IdentityManager it replaces. The per-camera trackers run
 * beforehand and are not timed. Target: under 1 ms per frame for 4 cameras × 20 people, far
 * below a detector's time per frame.
 *
 * Medians of per-frame times over several runs after a warm-up run; every result carries the
 * 1-minute load average and CPU count (the machine is shared).
 */
import { availableParallelism, loadavg } from "node:os";
import {
  FloorIdentities,
  IdentityManager,
  bottomCentre,
  createTracker,
  footOnFloor,
  projectPoint,
  simulateScene,
  type FloorObservation,
  type IdentityObservation,
} from "@parallax/domain/tracking";
import { emit, percentile, round } from "./support.js";

interface Observed {
  readonly camera: string;
  readonly trackId: number;
  readonly box: [number, number, number, number];
  readonly imageToMap: Float64Array;
  readonly embedding?: Float32Array;
}

/** Every camera's tracker output per frame of a simulated scene. */
function observe(cameras: number, people: number, frames: number, dim: number): Observed[][] {
  const scene = simulateScene({ cameras, people, frames, appearance: { dim } });
  const trackers = scene.cameras.map(() => createTracker("bytetrack", scene.config.fps));
  return scene.frames.map((cameraFrames) =>
    cameraFrames.flatMap((data, c) =>
      trackers[c]!.update({ ...data, embeddingDim: dim }).map((track) => ({
        camera: scene.cameras[c]!.id,
        trackId: track.trackId,
        box: track.box,
        imageToMap: scene.cameras[c]!.imageToMap,
        ...(track.detectionIndex >= 0 ? { embedding: data.embeddings.subarray(track.detectionIndex * dim, (track.detectionIndex + 1) * dim) } : {}),
      })),
    ),
  );
}

function timePerFrame(input: readonly Observed[][], runs: number, step: (frame: number, observed: readonly Observed[]) => void, fresh: () => void): number[] {
  const times: number[] = [];
  for (let r = 0; r <= runs; r++) {
    fresh();
    input.forEach((observed, f) => {
      const started = performance.now();
      step(f + 1, observed);
      // The first run warms up; the first frames of each run (empty galleries) are left out.
      if (r > 0 && f >= 10) times.push(performance.now() - started);
    });
  }
  return times.sort((a, b) => a - b);
}

function summary(times: readonly number[]): Record<string, number> {
  return {
    ms_per_frame_median: round(percentile(times, 50), 3),
    ms_per_frame_mean: round(times.reduce((a, b) => a + b, 0) / Math.max(1, times.length), 3),
    ms_per_frame_p90: round(percentile(times, 90), 3),
  };
}

export async function main(args: string[]): Promise<void> {
  const quick = args.includes("quick");
  const frames = quick ? 100 : 300, runs = quick ? 1 : 3, dim = 512;
  for (const cameras of [4, 8]) {
    for (const people of [20, 60]) {
      const input = observe(cameras, people, frames, dim);
      const observations = input.reduce((n, frame) => n + frame.length, 0) / input.length;
      let floor = new FloorIdentities();
      const fused = timePerFrame(
        input,
        runs,
        (frame, observed) => {
          const { pixelNoise, floorVariance } = floor.config;
          floor.update(
            frame,
            observed.map((o): FloorObservation => {
              const point = footOnFloor(o.imageToMap, o.box, pixelNoise, floorVariance);
              return { camera: o.camera, trackId: o.trackId, ...(point ? { point } : {}), ...(o.embedding ? { embedding: o.embedding } : {}) };
            }),
          );
        },
        () => (floor = new FloorIdentities()),
      );
      let manager = new IdentityManager();
      const old = timePerFrame(
        input,
        runs,
        (frame, observed) => {
          manager.update(
            frame,
            observed.map((o): IdentityObservation => {
              const [u, v] = bottomCentre(o.box);
              return { camera: o.camera, trackId: o.trackId, mapPoint: projectPoint(o.imageToMap, u, v), ...(o.embedding ? { embedding: o.embedding } : {}) };
            }),
          );
        },
        () => (manager = new IdentityManager()),
      );
      emit("identity.association", {
        cameras, people, frames, embedding_dim: dim,
        observations_per_frame: round(observations, 1),
        floor_association: summary(fused),
        identity_manager: summary(old),
        statistic: `per-frame times of ${runs} runs after a warm-up run, frames 11 on`,
        load_average_1m: round(loadavg()[0] ?? Number.NaN, 2),
        cpus: availableParallelism(),
      });
    }
  }
}
