/**
 * `npm run bench -- identity-table [--quick]`: the robustness table of issue 9. Each scene
 * configuration (calibration noise, disjoint cameras, a crowd, look-alikes, a camera one frame
 * off, other seeds and camera counts) is simulated in memory, every camera's homography is
 * fitted from its floor-grid point pairs (as `parallax eval-scene` does from calibration.json),
 * and the scene is tracked with ByteTrack and BoT-SORT under appearance-only, ground-only and
 * fused identities. One JSON row per run on stdout; a markdown table on stderr. `--quick` halves
 * the frames (300 instead of 600).
 */
import { availableParallelism, loadavg } from "node:os";
import { Result } from "effect";
import {
  LOOKALIKE_APPEARANCE,
  calibrationNoiseRandom,
  evaluateScene,
  exportScene,
  fitCalibration,
  floorGridPairs,
  floorRows,
  simulateScene,
  trackScene,
  withClockOffset,
  withPixelNoise,
  type IdentityMode,
  type SimulationOverrides,
  type TrackerName,
} from "@parallax/domain/tracking";
import { emit, round } from "./support.js";

interface Configuration {
  readonly name: string;
  readonly scene: SimulationOverrides;
  readonly calibrationNoisePx?: number;
  readonly clockOffset?: { readonly camera: string; readonly frames: number };
}

const CONFIGURATIONS: readonly Configuration[] = [
  { name: "default", scene: {} },
  { name: "noise 2 px", scene: {}, calibrationNoisePx: 2 },
  { name: "noise 5 px", scene: {}, calibrationNoisePx: 5 },
  { name: "noise 10 px", scene: {}, calibrationNoisePx: 10 },
  { name: "disjoint", scene: { layout: "disjoint" } },
  { name: "crowd 40", scene: { people: 40 } },
  { name: "lookalikes", scene: { appearance: LOOKALIKE_APPEARANCE } },
  { name: "cam2 clock +1 frame", scene: {}, clockOffset: { camera: "cam2", frames: 1 } },
  { name: "seed 2", scene: { seed: 2 } },
  { name: "seed 3", scene: { seed: 3 } },
  { name: "3 cameras, 10 people", scene: { cameras: 3, people: 10 } },
  { name: "3 cameras, 40 people", scene: { cameras: 3, people: 40 } },
  { name: "6 cameras, 10 people", scene: { cameras: 6, people: 10 } },
  { name: "6 cameras, 40 people", scene: { cameras: 6, people: 40 } },
];

const TRACKERS: readonly TrackerName[] = ["bytetrack", "botsort"];
const MODES: readonly IdentityMode[] = ["appearance", "ground", "fused"];

interface Row {
  readonly configuration: string;
  readonly tracker: TrackerName;
  readonly identity: IdentityMode;
  readonly cross_camera_idf1: number;
  readonly oracle_cross_camera_idf1: number;
  readonly ratio_to_oracle: number;
  readonly map_error_median_m: number;
  readonly map_error_p95_m: number;
  readonly global_id_switches: number;
}

function runConfiguration(configuration: Configuration, frames: number): Row[] {
  let scene = simulateScene({ frames, ...configuration.scene });
  if (configuration.clockOffset) scene = withClockOffset(scene, configuration.clockOffset.camera, configuration.clockOffset.frames);
  const noise = calibrationNoiseRandom(scene.config.seed);
  const cameras = scene.cameras.map((camera, c) => {
    const pairs = withPixelNoise(floorGridPairs(camera, scene.config, c), configuration.calibrationNoisePx ?? 0, noise);
    const fitted = fitCalibration(pairs);
    if (Result.isFailure(fitted)) throw new Error(`${configuration.name}: ${camera.id}: ${fitted.failure}`);
    return { ...camera, imageToMap: fitted.success };
  });
  const calibrated = { ...scene, cameras };
  const truth = exportScene(scene).map((c) => ({ camera: c.id, groundTruth: c.groundTruth, detections: c.detections }));
  const floor = floorRows(scene);
  return TRACKERS.flatMap((tracker) => MODES.map((identity): Row => {
    const report = evaluateScene({ cameras: truth, floor, result: trackScene(calibrated, { tracker, identityMode: identity }) });
    return {
      configuration: configuration.name,
      tracker,
      identity,
      cross_camera_idf1: round(report.cross_camera_idf1, 4),
      oracle_cross_camera_idf1: round(report.oracle_cross_camera_idf1, 4),
      ratio_to_oracle: round(report.ratio_to_oracle, 4),
      map_error_median_m: round(report.map_error_median_m, 3),
      map_error_p95_m: round(report.map_error_p95_m, 3),
      global_id_switches: report.global_id_switches,
    };
  }));
}

function markdown(rows: readonly Row[]): string {
  const cell = (configuration: string, tracker: TrackerName, identity: IdentityMode) => rows.find((r) => r.configuration === configuration && r.tracker === tracker && r.identity === identity)!;
  const header = ["configuration", "tracker", ...MODES.map((m) => `IDF1 ${m}`), "oracle", ...MODES.map((m) => `ratio ${m}`), ...MODES.map((m) => `map err ${m} (m)`)];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const configuration of CONFIGURATIONS) {
    for (const tracker of TRACKERS) {
      const cells = MODES.map((m) => cell(configuration.name, tracker, m));
      lines.push(`| ${[
        configuration.name, tracker,
        ...cells.map((c) => c.cross_camera_idf1.toFixed(3)),
        cells[0]!.oracle_cross_camera_idf1.toFixed(3),
        ...cells.map((c) => c.ratio_to_oracle.toFixed(3)),
        ...cells.map((c) => c.map_error_median_m.toFixed(3)),
      ].join(" | ")} |`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export async function main(args: string[]): Promise<void> {
  const frames = args.includes("--quick") ? 300 : 600;
  const started = performance.now();
  const rows: Row[] = [];
  for (const configuration of CONFIGURATIONS) {
    for (const row of runConfiguration(configuration, frames)) {
      rows.push(row);
      emit("identity_table", { ...row, frames });
    }
  }
  process.stderr.write(`\nCross-camera identity robustness (${frames} frames per scene; homographies fitted from floor-grid point pairs)\n\n${markdown(rows)}`);
  process.stderr.write(`\n${rows.length} runs in ${round((performance.now() - started) / 1000, 1)} s (load average ${round(loadavg()[0] ?? Number.NaN, 2)}, ${availableParallelism()} CPUs)\n`);
}
