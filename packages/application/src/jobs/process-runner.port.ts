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
}
export const ProcessRunner = Symbol.for("parallax.ProcessRunner");
