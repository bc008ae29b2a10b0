/**
 * `parallax <command> [--flag value ...]`: each command lives in ./commands/<name>.ts and
 * exports `run(argv): Promise<number>` (the exit code). Loaded lazily so one command's
 * dependencies (onnxruntime, ffmpeg) don't slow the others.
 */
import { detectUsage, trackTaskUsage, trackUsage } from "./commands/usages.js";

/** `usage`, where given, answers `--help` without loading the command (whose module is heavy). */
type Command = { summary: string; usage?: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const commands: Record<string, Command> = {
  worker: { summary: "run a headless job worker", load: () => import("./commands/worker.js") },
  "migrate-jobs": { summary: "import the file job store's jobs into the SQLite job store (JOBS_STORE=sqlite)", load: () => import("./commands/migrate-jobs.js") },
  "backfill-job-owners": { summary: "give every DynamoDB job item written before the owner_listing index its key (STORAGE=aws)", load: () => import("./commands/backfill-job-owners.js") },
  "mot-eval": { summary: "MOT metrics of predictions against ground truth", load: () => import("./commands/mot-eval.js") },
  "track-mot": { summary: "track MOTChallenge detections", load: () => import("./commands/track-mot.js") },
  simulate: { summary: "generate a seeded multi-camera scene", load: () => import("./commands/simulate.js") },
  "eval-scene": { summary: "track a scene directory on all cameras and score it (cross-camera IDF1, oracle bound, map error)", load: () => import("./commands/eval-scene.js") },
  track: { summary: "run a multi-camera tracking task on an environment's videos", usage: trackUsage, load: () => import("./commands/track.js") },
  "track-task": { summary: "run a queued processing task (a worker's job)", usage: trackTaskUsage, load: () => import("./commands/track-task.js") },
  detect: { summary: "person detections of images or a video, as MOTChallenge rows", usage: detectUsage, load: () => import("./commands/detect.js") },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)} ${command.summary}`);
  return `usage: parallax <command> [options]\n\ncommands:\n${lines.join("\n")}\n`;
}

const [name, ...argv] = process.argv.slice(2);
const command = name ? commands[name] : undefined;
if (!command) {
  process.stderr.write(name && name !== "--help" ? `unknown command '${name}'\n${usage()}` : usage());
  process.exitCode = name && name !== "--help" ? 2 : 0;
} else if (command.usage !== undefined && argv.length === 1 && (argv[0] === "--help" || argv[0] === "-h")) {
  process.stdout.write(command.usage);
} else {
  const module = await command.load();
  process.exitCode = await module.run(argv);
}
