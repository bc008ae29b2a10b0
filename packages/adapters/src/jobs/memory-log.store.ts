import * as Effect from "effect/Effect";
import type { StorageFailure } from "@parallax/domain";
import type { LogEntry, LogLine, LogPage, LogStore } from "@parallax/application/jobs";

/** Logs in memory: offsets are array indexes. */
export class MemoryLogStore implements LogStore {
  private readonly logs = new Map<string, LogLine[]>();

  append(jobId: string, entries: readonly LogEntry[]): Effect.Effect<LogLine[], StorageFailure> {
    return Effect.sync(() => {
      let lines = this.logs.get(jobId);
      if (!lines) this.logs.set(jobId, (lines = []));
      const added: LogLine[] = [];
      for (const { stream, timestamp, message } of entries) {
        const line = { stream, timestamp, message, offset: lines.length };
        lines.push(line);
        added.push(line);
      }
      return added;
    });
  }

  read(jobId: string, fromOffset: number, limit: number): Effect.Effect<LogPage, StorageFailure> {
    return Effect.sync(() => {
      const lines = this.logs.get(jobId) ?? [];
      const start = Math.min(Math.max(0, fromOffset), lines.length);
      const page = lines.slice(start, start + Math.max(0, limit));
      return { lines: page, nextOffset: start + page.length };
    });
  }

  size(jobId: string): Effect.Effect<number, StorageFailure> {
    return Effect.sync(() => this.logs.get(jobId)?.length ?? 0);
  }
}
