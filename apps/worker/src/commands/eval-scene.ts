/**
 * `parallax eval-scene --scene DIR [--tracker bytetrack|botsort] [--identity appearance|ground|fused] [--json]`:
 * runs the whole multi-camera tracking on a scene directory (as `parallax simulate` writes it)
 * and scores it against the scene's truth: per camera detection quality and tracker metrics,
 * cross-camera IDF1/IDP/IDR, the oracle bound and the ratio to it, floor-position error and
 * global id switches. `--json` prints one JSON object (documented in the tracking README).
 */
import { evaluateScene, trackScene, type CameraReport, type IdentityMode, type SceneReport, type TrackerName } from "@parallax/domain/tracking";
import { parseCommandArgs } from "./command-args.js";
import { SceneDirectoryError, readSceneDirectory } from "./scene-directory.js";

const usage = "usage: parallax eval-scene --scene DIR [--tracker bytetrack|botsort] [--identity appearance|ground|fused] [--json]\n";

const TRACKERS: readonly TrackerName[] = ["bytetrack", "botsort"];
const IDENTITY_MODES: readonly IdentityMode[] = ["appearance", "ground", "fused"];

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    scene: { type: "string" },
    tracker: { type: "string", default: "botsort" },
    identity: { type: "string", default: "fused" },
    json: { type: "boolean" },
  }, usage);
  if ("exit" in parsed) return parsed.exit;
  const { values } = parsed;
  const tracker = TRACKERS.find((t) => t === values.tracker);
  const identity = IDENTITY_MODES.find((m) => m === values.identity);
  if (!values.scene || !tracker || !identity) {
    process.stderr.write(`${!values.scene ? "--scene is required" : !tracker ? "--tracker must be bytetrack or botsort" : "--identity must be appearance, ground or fused"}\n${usage}`);
    return 2;
  }
  try {
    const directory = await readSceneDirectory(values.scene);
    const result = trackScene(directory.scene, { tracker, identityMode: identity });
    const report = evaluateScene({ cameras: directory.truth, floor: directory.floor, result });
    const output: EvalSceneOutput = {
      scene: values.scene,
      tracker,
      identity,
      frames: directory.scene.frames.length,
      ...report,
      per_camera: report.per_camera.map((camera, c) => ({ ...camera, homography_from: directory.homographyFrom[c] })),
    };
    process.stdout.write(values.json ? `${JSON.stringify(output)}\n` : describe(output));
    return 0;
  } catch (error) {
    if (error instanceof SceneDirectoryError || (error as NodeJS.ErrnoException).code === "ENOENT") {
      process.stderr.write(`parallax eval-scene: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}

type EvalSceneOutput = Omit<SceneReport, "per_camera"> & {
  readonly scene: string;
  readonly tracker: string;
  readonly identity: string;
  readonly frames: number;
  readonly per_camera: ReadonlyArray<CameraReport & { readonly homography_from: string | undefined }>;
};

function describe(output: EvalSceneOutput): string {
  const f = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");
  const lines = [
    `scene ${output.scene}: ${output.tracker}, ${output.identity} identities, ${output.frames} frames, ${output.per_camera.length} cameras`,
    "camera  det-recall det-prec  MOTA   MOTP   IDF1   HOTA   IDsw  global-IDF1  homography",
    ...output.per_camera.map((c) =>
      `${c.camera.padEnd(7)} ${f(c.detection_recall).padStart(10)} ${f(c.detection_precision).padStart(8)} ${f(c.mota).padStart(6)} ${f(c.motp).padStart(6)} ${f(c.idf1).padStart(6)} ${f(c.hota).padStart(6)} ${String(c.num_switches).padStart(5)} ${f(c.global_idf1).padStart(12)}  ${c.homography_from ?? ""}`),
    `cross-camera IDF1 ${f(output.cross_camera_idf1)} (IDP ${f(output.cross_camera_idp)}, IDR ${f(output.cross_camera_idr)}); oracle ${f(output.oracle_cross_camera_idf1)} (IDP ${f(output.oracle_cross_camera_idp)}, IDR ${f(output.oracle_cross_camera_idr)}); ratio ${f(output.ratio_to_oracle)}`,
    `global ids ${output.global_ids} for ${output.gt_people} people; global id switches ${output.global_id_switches}`,
    `map error median ${f(output.map_error_median_m)} m, p95 ${f(output.map_error_p95_m)} m over ${output.map_error_pairs} identity-frames (${output.map_unmatched} unmatched)`,
  ];
  return `${lines.join("\n")}\n`;
}
