/**
 * `parallax track --env demo|FILE [--id ENV] [--out DIR]`: runs one processing task in this
 * process, with a progress line on stderr (frames, frames/s, ETA), and writes its results as
 * DIR/tracking/tasks/<task_id>/results.jsonl (one §D `tracking_update` a line) beside state.json.
 * FILE is an environments file: its environment `--id`, or its first. Ctrl-C cancels the task.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Scope from "effect/Scope";
import * as Stream from "effect/Stream";
import { ConfigError, createContainer, loadConfig } from "@parallax/adapters";
import { environmentsFileSchema, parseJson, trackingOptions } from "@parallax/adapters/tracking";
import { TrackingTasksDeps, makeTrackingTasks } from "@parallax/application/tracking";
import { parseCommandArgs } from "./command-args.js";
import { trackUsage as usage } from "./usages.js";


export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, { env: { type: "string" }, id: { type: "string" }, out: { type: "string" } } as const, usage);
  if ("exit" in parsed) return parsed.exit;
  const { env, id, out } = parsed.values;
  if (!env) {
    process.stderr.write(`--env is required\n${usage}`);
    return 2;
  }
  const file = env !== "demo" || existsSync(env) ? resolve(env) : undefined;
  let environmentId = env;
  if (file) {
    const environments = parseJson(environmentsFileSchema, await readFile(file, "utf8").catch(() => ""));
    if (!environments.success) {
      process.stderr.write(`parallax track: ${file} is not a valid environments file\n`);
      return 2;
    }
    environmentId = id ?? environments.data.environments[0]?.id ?? "";
  }
  let config;
  try {
    config = loadConfig({ ...process.env, ...(out ? { DATA_DIR: out } : {}), ...(file ? { ENVIRONMENTS_FILE: file } : {}) });
  } catch (error) {
    process.stderr.write(`parallax track: ${error instanceof ConfigError ? error.message : String(error)}\n`);
    return 2;
  }
  const container = createContainer(config);
  const scope = await Effect.runPromise(Scope.make());
  const tasks = await Effect.runPromise(Scope.provide(makeTrackingTasks(container.get<TrackingTasksDeps>(TrackingTasksDeps), trackingOptions(config)), scope));
  const started = await Effect.runPromiseExit(tasks.start(environmentId));
  if (Exit.isFailure(started)) {
    process.stderr.write(`parallax track: ${Cause.pretty(started.cause)}\n`);
    await Effect.runPromise(Scope.close(scope, Exit.void));
    return 1;
  }
  const taskId = started.value.task_id;
  const interrupt = () => void Effect.runPromise(tasks.cancel(taskId));
  process.once("SIGINT", interrupt);
  const t0 = performance.now();
  let lastDraw = 0;
  await Effect.runPromise(
    Effect.scoped(
      Effect.flatMap(tasks.events(taskId), (events) =>
        Stream.runForEach(events, (event) =>
          Effect.sync(() => {
            if (event.type !== "status_update") return;
            const now = performance.now();
            if (now - lastDraw < 200 && event.payload.status === "PROCESSING") return;
            lastDraw = now;
            process.stderr.write(`\r${progressLine(event.payload, (now - t0) / 1000)}\x1b[K`);
          }),
        ),
      ),
    ),
  );
  process.off("SIGINT", interrupt);
  const record = await Effect.runPromise(tasks.awaitTask(taskId));
  await Effect.runPromise(Scope.close(scope, Exit.void));
  process.stderr.write(`\r${progressLine(record, (performance.now() - t0) / 1000)}\x1b[K\n`);
  const results = join(resolve(config.DATA_DIR), "tracking", "tasks", taskId, "results.jsonl");
  process.stdout.write(`${JSON.stringify({ task_id: taskId, environment_id: record.environment_id, status: record.status, details: record.details, results })}\n`);
  return record.status === "COMPLETED" ? 0 : 1;
}

function progressLine(status: { status: string; processed_frames_count: number; total_frames_estimate: number }, seconds: number): string {
  const done = status.processed_frames_count;
  const total = status.total_frames_estimate;
  const rate = seconds > 0 ? done / seconds : 0;
  const eta = rate > 0 && total > done ? ` ETA ${Math.ceil((total - done) / rate)}s` : "";
  const width = 24;
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `${status.status.padEnd(16)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total || "?"} camera-frames ${rate.toFixed(1)}/s${eta}`;
}
