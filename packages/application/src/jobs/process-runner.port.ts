import { Data, type Effect } from "effect";
import type { LogEntry } from "./log-store.port.js";

export interface ProcessSpec {
  /** argv: program then arguments, never interpreted by a shell. */
  readonly command: readonly string[];
  readonly cwd: string;
  /** Added to the worker's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Called for every complete output line, in order. */
  readonly onLine: (entry: LogEntry) => void;
}

/** The environment variable naming the run (the lease token) a process belongs to. */
export const LEASE_TOKEN_ENV = "PARALLAX_LEASE_TOKEN";

export interface ProcessExit {
  readonly exitCode: number | null;
  readonly signal: string | null;
}

/** The program could not be started (not found, not executable, bad cwd). */
export class SpawnFailed extends Data.TaggedError("SpawnFailed")<{ readonly message: string }> {}

/**
 * Runs one process to completion. Interrupting the effect stops the whole process tree
 * (its own process group: SIGTERM, then SIGKILL after a grace period) and waits for it.
 */
export interface ProcessRunner {
  run(spec: ProcessSpec): Effect.Effect<ProcessExit, SpawnFailed>;
  /**
   * Stops processes on this machine still running for a lost run: every process whose
   * environment carries `PARALLAX_LEASE_TOKEN=<token>` (set on each run, inherited by
   * children). Answers how many process groups were stopped; 0 where this is unknowable.
   */
  stopOrphans(leaseToken: string): Effect.Effect<number>;
}
export const ProcessRunner = Symbol.for("parallax.ProcessRunner");
