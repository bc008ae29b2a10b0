/**
 * `parallax track-task <task_id>`: runs one processing task a host queued (TRACKING_RUNNER=queue),
 * as the process of its `parallax.tracking-task` job: the task's record and results are written to
 * the task store the host reads (DATA_DIR, from the job's environment), its statuses and batch
 * ends to the task's event log and its frames' pictures beside it (the latest 200 frame indices),
 * which is how the host's WebSocket clients see it. It is not for
 * people: `parallax track` runs a task from a terminal.
 *
 * SIGTERM (the job worker stopping the job's process group) interrupts the task: CANCELLED when
 * the job was cancelled, FAILED saying the worker stopped otherwise (a worker shutting down), so a
 * task never reads cancelled when nobody cancelled it. Decoders run in their own process groups and
 * stop with the task's scope, before the final status is written. Exit 0 for COMPLETED or
 * CANCELLED, 1 otherwise (the reason is in the task's `details` and on stderr).
 */
import { parseArgs } from "node:util";
import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Fiber from "effect/Fiber";
import { ConfigError, createContainer, loadConfig, type Config } from "@parallax/adapters";
import { trackingOptions } from "@parallax/adapters/tracking";
import {
  FINAL_STATUSES,
  JournaledTrackingEvents,
  TaskEventLog,
  TaskQueue,
  TrackingTasksDeps,
  runTrackingTask,
  statusPayload,
  type Interruption,
  type TaskRecord,
} from "@parallax/application/tracking";
import { trackTaskUsage as usage } from "./usages.js";


export async function run(argv: string[]): Promise<number> {
  let taskId: string | undefined;
  try {
    const parsed = parseArgs({ args: argv, options: { help: { type: "boolean" } }, allowPositionals: true, strict: true });
    if (parsed.values.help) {
      process.stdout.write(usage);
      return 0;
    }
    taskId = parsed.positionals.length === 1 ? parsed.positionals[0] : undefined;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (!taskId) {
    process.stderr.write(usage);
    return 2;
  }
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    process.stderr.write(`parallax track-task: ${error instanceof ConfigError ? error.message : String(error)}\n`);
    return 2;
  }
  const code = await runTask(config, taskId);
  // A model's worker thread or a pool must not keep the job's process alive after its task.
  process.exit(code);
}

async function runTask(config: Config, taskId: string): Promise<number> {
  const container = createContainer(config);
  const log = container.get<TaskEventLog>(TaskEventLog);
  const bound = container.get<TrackingTasksDeps>(TrackingTasksDeps);
  // Every status and batch end is logged beside the results, for the host that follows the task,
  // and every frame's pictures kept there for a while (the host's sockets want them by default).
  const deps = { ...bound, events: new JournaledTrackingEvents(bound.events, log, bound.pictures) };
  const queue = container.get<TaskQueue>(TaskQueue);
  const fail = async (record: TaskRecord, details: string) => {
    process.stderr.write(`parallax track-task ${taskId}: ${details}\n`);
    const failed: TaskRecord = { ...record, status: "FAILED", current_step: "Failed", details, last_update_time: deps.clock.now().toISOString() };
    await Effect.runPromise(Effect.ignore(Effect.andThen(deps.store.put(failed), deps.events.publish(taskId, { type: "status_update", payload: statusPayload(failed) }))));
    return 1;
  };

  const found = await Effect.runPromiseExit(deps.store.get(taskId));
  if (Exit.isFailure(found)) {
    process.stderr.write(`parallax track-task ${taskId}: ${Cause.pretty(found.cause)}\n`);
    return 1;
  }
  const record = found.value;
  if (FINAL_STATUSES.has(record.status)) {
    process.stdout.write(`task ${taskId} is ${record.status} already; nothing to run\n`);
    return 0;
  }
  // Results already appended by a run that stopped would be appended again: a task runs once.
  if (record.status !== "QUEUED") return fail(record, `A previous run of this task stopped while ${record.status} (its worker was lost); start a new task.`);
  const environment = await Effect.runPromiseExit(deps.catalog.environment(record.environment_id));
  if (Exit.isFailure(environment)) {
    const error = Cause.squash(environment.cause);
    return fail(record, error instanceof Error ? error.message : String(error));
  }

  let interruption: Interruption = { status: "CANCELLED", details: "Cancelled on request." };
  const fiber = Effect.runFork(runTrackingTask(deps, record, environment.value, trackingOptions(config), () => interruption));
  const stop = (signal: string) => {
    void Effect.runPromise(
      Effect.gen(function* () {
        const queued = yield* queue.run(taskId).pipe(Effect.orElseSucceed(() => ({ _tag: "Unknown" }) as const));
        // A worker stopping (drain time over) or a job released to the queue: not a cancel.
        if ((queued._tag === "Running" && !queued.cancelRequested) || queued._tag === "Waiting") {
          interruption = { status: "FAILED", details: `The worker running this task stopped (${signal}) before it finished; start a new task.` };
        }
        yield* Fiber.interrupt(fiber);
      }),
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  process.stdout.write(`task ${taskId}: environment ${environment.value.id}, ${environment.value.cameras.length} cameras\n`);
  const ended = await Effect.runPromise(Fiber.join(fiber));
  process.stdout.write(`${JSON.stringify({ task_id: taskId, status: ended.status, details: ended.details, processed_frames_count: ended.processed_frames_count })}\n`);
  if (ended.status === "FAILED") process.stderr.write(`parallax track-task ${taskId}: ${ended.details}\n`);
  return ended.status === "COMPLETED" || ended.status === "CANCELLED" ? 0 : 1;
}
