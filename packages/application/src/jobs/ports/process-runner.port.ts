import * as Data from "effect/Data";
import type * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import type * as Stream from "effect/Stream";

export interface ProcessSpec {
  /** argv: program then arguments, never interpreted by a shell. */
  readonly command: readonly string[];
  readonly cwd: string;
  /** Added to the worker's environment. */
  readonly env: Readonly<Record<string, string>>;
}

/** The environment variable naming the run (the lease token) a process belongs to. */
export const LEASE_TOKEN_ENV = "PARALLAX_LEASE_TOKEN";

export interface ProcessExit {
  readonly exitCode: number | null;
  readonly signal: string | null;
}

/** One complete line the process wrote, without its line break. */
export interface ProcessLine {
  readonly stream: "stdout" | "stderr";
  readonly message: string;
}

/** A started process, alive for as long as the scope it was started in. */
export interface RunningProcess {
  /**
   * Its stdout and stderr lines (each stream in order), ending once both pipes closed.
   * Read it to the end: a process whose output nobody reads blocks on a full pipe.
   */
  readonly lines: Stream.Stream<ProcessLine>;
  /** How it ended, once it exited and its output was read to the end. */
  readonly exit: Effect.Effect<ProcessExit>;
}

/** The program could not be started (not found, not executable, bad cwd). */
export class SpawnFailed extends Data.TaggedError("SpawnFailed")<{ readonly message: string }> {}

/**
 * Starts processes. Closing the scope a process was started in stops its whole tree (its
 * own process group: SIGTERM, then SIGKILL after a grace period) and waits until it is gone,
 * so interrupting whoever runs a job never leaves its processes behind.
 */
export interface ProcessRunner {
  run(spec: ProcessSpec): Effect.Effect<RunningProcess, SpawnFailed, Scope.Scope>;
  /**
   * Stops processes on this machine still running for a lost run: every process whose
   * environment carries `PARALLAX_LEASE_TOKEN=<token>` (set on each run, inherited by
   * children). Answers how many process groups were stopped; 0 where this is unknowable.
   */
  stopOrphans(leaseToken: string): Effect.Effect<number>;
}
export const ProcessRunner = Symbol.for("parallax.ProcessRunner");
