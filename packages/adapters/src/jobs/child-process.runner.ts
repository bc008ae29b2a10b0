import { spawn, type ChildProcess } from "node:child_process";
import { readFile, readdir } from "node:fs/promises";
import type { Readable } from "node:stream";
import * as Deferred from "effect/Deferred";
import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";
import type * as Scope from "effect/Scope";
import { LEASE_TOKEN_ENV, SpawnFailed, type ProcessExit, type ProcessRunner, type ProcessLine, type ProcessSpec, type RunningProcess } from "@parallax/application/jobs";
import { groupAlive, hasProc, stopProcessGroup } from "../shared/process-group.js";
import { linesOf } from "./process-lines.js";

// Jobs callers and tests know these from here.
export { groupAlive, stopProcessGroup };

export interface ChildProcessRunnerOptions {
  /** Time between SIGTERM and SIGKILL when a job is cancelled or times out. */
  readonly killGraceMs: number;
  readonly maxLineChars?: number;
}

/** Process groups of this machine whose members carry `name=value` in their environment (Linux /proc). */
export async function groupsWithEnv(name: string, value: string): Promise<number[]> {
  if (!hasProc) return [];
  const needle = Buffer.from(`\0${name}=${value}\0`);
  const groups = new Set<number>();
  for (const entry of await readdir("/proc")) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57 || Number(entry) === process.pid) continue;
    try {
      const environ = Buffer.concat([Buffer.from([0]), await readFile(`/proc/${entry}/environ`)]);
      if (environ.indexOf(needle) === -1) continue;
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] !== "Z") groups.add(Number(fields[2]));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return [...groups];
}

interface Started {
  readonly child: ChildProcess;
  /** Settled on 'close': the process exited and both pipes were read to their end. */
  readonly closed: Deferred.Deferred<ProcessExit>;
}

/**
 * Resolves once the process started (its exit is watched from the first instant, so a
 * process that ends at once is not missed), fails with SpawnFailed when it could not be.
 */
function spawned(spec: ProcessSpec, killGraceMs: number): Effect.Effect<Started, SpawnFailed> {
  return Effect.callback<Started, SpawnFailed>((resume) => {
    const [program, ...args] = spec.command;
    let child: ChildProcess;
    try {
      child = spawn(program!, args, { cwd: spec.cwd, env: { ...process.env, ...spec.env }, detached: true, shell: false, stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      resume(Effect.fail(new SpawnFailed({ message: (error as Error).message })));
      return;
    }
    // Node discards (resumes) the output of a pipe nobody listens to once the process exits;
    // a listener marks both as read, so lines are kept until the stream pulls them.
    child.stdout!.on("readable", () => {});
    child.stderr!.on("readable", () => {});
    const closed = Deferred.makeUnsafe<ProcessExit>();
    let exit: ProcessExit | undefined;
    child.once("exit", (code, signal) => {
      exit = { exitCode: code, signal };
      // Stragglers holding our pipes would keep 'close' from ever firing.
      if (child.pid !== undefined && groupAlive(child.pid)) void stopProcessGroup(child.pid, killGraceMs);
    });
    child.once("close", (code, signal) => Deferred.doneUnsafe(closed, Effect.succeed(exit ?? { exitCode: code, signal })));
    child.once("spawn", () => resume(Effect.succeed({ child, closed })));
    child.once("error", (error) => {
      if (child.pid === undefined) resume(Effect.fail(new SpawnFailed({ message: `${program}: ${error.message}` })));
    });
  });
}

/**
 * Runs argv with no shell, as the leader of its own process group (`detached`), so that
 * stopping a job stops everything it started. Closing the scope stops the group and
 * resumes only when it is gone. A process that exits on its own leaves no stragglers
 * either: remaining group members are stopped too.
 */
export class ChildProcessRunner implements ProcessRunner {
  constructor(private readonly options: ChildProcessRunnerOptions) {}

  stopOrphans(leaseToken: string): Effect.Effect<number> {
    return Effect.promise(async () => {
      const groups = await groupsWithEnv(LEASE_TOKEN_ENV, leaseToken);
      await Promise.all(groups.map((pgid) => stopProcessGroup(pgid, this.options.killGraceMs)));
      return groups.length;
    });
  }

  run(spec: ProcessSpec): Effect.Effect<RunningProcess, SpawnFailed, Scope.Scope> {
    const { killGraceMs, maxLineChars } = this.options;
    const stop = (child: ChildProcess) =>
      Effect.promise(async () => {
        if (child.pid !== undefined) await stopProcessGroup(child.pid, killGraceMs);
        child.stdout?.destroy();
        child.stderr?.destroy();
      });
    const pipe = (readable: Readable, stream: ProcessLine["stream"]) =>
      // A pipe that fails (destroyed while read) just ends: the exit says how the process ended.
      linesOf(Stream.fromAsyncIterable<Uint8Array, unknown>(readable, (error) => error), stream, maxLineChars).pipe(Stream.catchCause(() => Stream.empty));
    return Effect.acquireRelease(spawned(spec, killGraceMs), ({ child }) => stop(child)).pipe(
      Effect.map(({ child, closed }): RunningProcess => ({
        lines: Stream.merge(pipe(child.stdout!, "stdout"), pipe(child.stderr!, "stderr")),
        exit: Deferred.await(closed),
      })),
    );
  }
}
