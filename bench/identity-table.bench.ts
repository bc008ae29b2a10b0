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
import {
  ROBUSTNESS_CONFIGURATIONS,
  evaluateScene,
  robustnessScene,
  trackScene,
  type IdentityMode,
  type RobustnessConfiguration,
  type TrackerName,
} from "@parallax/domain/tracking";
import { emit, round } from "./support.js";

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

function runConfiguration(configuration: RobustnessConfiguration, frames: number): Row[] {
  const { scene, truth, floor } = robustnessScene(configuration, frames);
  return TRACKERS.flatMap((tracker) => MODES.map((identity): Row => {
    const report = evaluateScene({ cameras: truth, floor, result: trackScene(scene, { tracker, identityMode: identity }) });
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
  for (const configuration of ROBUSTNESS_CONFIGURATIONS) {
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
  for (const configuration of ROBUSTNESS_CONFIGURATIONS) {
    for (const row of runConfiguration(configuration, frames)) {
      rows.push(row);
      emit("identity_table", { ...row, frames });
    }
  }
  process.stderr.write(`\nCross-camera identity robustness (${frames} frames per scene; homographies fitted from floor-grid point pairs)\n\n${markdown(rows)}`);
  process.stderr.write(`\n${rows.length} runs in ${round((performance.now() - started) / 1000, 1)} s (load average ${round(loadavg()[0] ?? Number.NaN, 2)}, ${availableParallelism()} CPUs)\n`);
}
