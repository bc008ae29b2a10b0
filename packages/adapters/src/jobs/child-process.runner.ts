import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { Effect } from "effect";
import { LEASE_TOKEN_ENV, SpawnFailed, type ProcessExit, type ProcessRunner, type ProcessSpec } from "@parallax/application/jobs";
import { LineSplitter } from "./line-splitter.js";
import { groupAlive, hasProc, stopProcessGroup } from "../shared/process-group.js";

// Jobs callers and tests know these from here.
export { groupAlive, stopProcessGroup };

export interface ChildProcessRunnerOptions {
  /** Time between SIGTERM and SIGKILL when a job is cancelled or times out. */
  readonly killGraceMs: number;
  readonly maxLineChars?: number;
}

/** Process groups of this machine whose members carry `name=value` in their environment (Linux /proc). */
export function groupsWithEnv(name: string, value: string): number[] {
  if (!hasProc) return [];
  const needle = Buffer.from(`\0${name}=${value}\0`);
  const groups = new Set<number>();
  for (const entry of readdirSync("/proc")) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57 || Number(entry) === process.pid) continue;
    try {
      const environ = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${entry}/environ`)]);
      if (environ.indexOf(needle) === -1) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] !== "Z") groups.add(Number(fields[2]));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return [...groups];
}

/**
 * Runs argv with no shell, as the leader of its own process group (`detached`), so that
 * stopping a job stops everything it started. Output is split into timestamped lines.
 * Interrupting the effect stops the group and resumes only when it is gone. A process that
 * exits on its own leaves no stragglers either: remaining group members are stopped too.
 */
export class ChildProcessRunner implements ProcessRunner {
  constructor(private readonly options: ChildProcessRunnerOptions) {}

  stopOrphans(leaseToken: string): Effect.Effect<number> {
    return Effect.promise(async () => {
      const groups = groupsWithEnv(LEASE_TOKEN_ENV, leaseToken);
      await Promise.all(groups.map((pgid) => stopProcessGroup(pgid, this.options.killGraceMs)));
      return groups.length;
    });
  }

  run(spec: ProcessSpec): Effect.Effect<ProcessExit, SpawnFailed> {
    const { killGraceMs } = this.options;
    return Effect.callback<ProcessExit, SpawnFailed>((resume) => {
      const [program, ...args] = spec.command;
      let child: ChildProcess;
      try {
        child = spawn(program!, args, {
          cwd: spec.cwd,
          env: { ...process.env, ...spec.env },
          detached: true,
          shell: false,
          stdio: ["ignore", "pipe", "pipe"],
        });
      } catch (error) {
        resume(Effect.fail(new SpawnFailed({ message: (error as Error).message })));
        return;
      }
      const out = new LineSplitter("stdout", spec.onLine, this.options.maxLineChars);
      const err = new LineSplitter("stderr", spec.onLine, this.options.maxLineChars);
      child.stdout!.on("data", (chunk: Buffer) => out.push(chunk));
      child.stderr!.on("data", (chunk: Buffer) => err.push(chunk));
      let settled = false;
      let exit: ProcessExit | undefined;
      const settle = (effect: Effect.Effect<ProcessExit, SpawnFailed>) => {
        if (settled) return;
        settled = true;
        out.end();
        err.end();
        resume(effect);
      };
      child.once("error", (error) => {
        if (child.pid === undefined) settle(Effect.fail(new SpawnFailed({ message: `${program}: ${error.message}` })));
      });
      child.once("exit", (code, signal) => {
        exit = { exitCode: code, signal };
        // Stragglers holding our pipes would keep 'close' from ever firing.
        if (child.pid !== undefined && groupAlive(child.pid)) void stopProcessGroup(child.pid, killGraceMs);
      });
      child.once("close", (code, signal) => settle(Effect.succeed(exit ?? { exitCode: code, signal })));
      return Effect.promise(async () => {
        settled = true;
        if (child.pid !== undefined) await stopProcessGroup(child.pid, killGraceMs);
        child.stdout?.destroy();
        child.stderr?.destroy();
      });
    });
  }
}
