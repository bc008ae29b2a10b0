import type * as Effect from "effect/Effect";
import type { StorageFailure } from "@parallax/domain";

export type LogStream = "stdout" | "stderr" | "system";

export interface LogEntry {
  readonly stream: LogStream;
  /** ISO 8601, taken when the line was read from the process. */
  readonly timestamp: string;
  readonly message: string;
}

/** A stored line: `offset` is its index in the job's log (0, 1, 2, ...), stable forever. */
export interface LogLine extends LogEntry {
  readonly offset: number;
}

export interface LogPage {
  readonly lines: LogLine[];
  /** The offset to ask for next (= total lines so far when the page reached the end). */
  readonly nextOffset: number;
}

/** Append-only per-job logs, readable from any offset (resumable live logs). */
export interface LogStore {
  append(jobId: string, entries: readonly LogEntry[]): Effect.Effect<LogLine[], StorageFailure>;
  read(jobId: string, fromOffset: number, limit: number): Effect.Effect<LogPage, StorageFailure>;
  /** Number of lines stored for the job. */
  size(jobId: string): Effect.Effect<number, StorageFailure>;
}
export const LogStore = Symbol.for("parallax.LogStore");
