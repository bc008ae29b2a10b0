import * as Effect from "effect/Effect";
import * as Fiber from "effect/Fiber";
import * as Queue from "effect/Queue";
import * as Stream from "effect/Stream";
import type * as Cause from "effect/Cause";
import type * as Scope from "effect/Scope";
import type { Clock } from "../../../shared/clock.port.js";
import type { LogEntry, LogStore } from "../../ports/log-store.port.js";

export interface JobLogDeps {
  readonly logs: LogStore;
  readonly clock: Clock;
  /** Lines of the job were stored (wake whoever follows it). */
  readonly onStored: () => Effect.Effect<void>;
}

/**
 * A running job's log, written in batches while the process runs. Memory stays bounded
 * whatever the process writes: at most `capacity` lines wait for a slow log store; beyond,
 * lines are counted and dropped, and the count is stored as a system line in their place.
 */
export interface JobLog {
  /** Queues a line; never waits (a process is not slowed down by its log store). */
  add(entry: LogEntry): void;
  /** Queues one of Parallax's own `[parallax] …` lines, stamped now. */
  system(message: string): void;
  /** Stores everything queued so far, then takes no more lines. */
  readonly close: Effect.Effect<void>;
}

/** Stores lines now, outside a running job's batches; a failure is logged, not raised (the job goes on). */
export function appendSystemLines(deps: Pick<JobLogDeps, "logs" | "clock">, jobId: string, messages: readonly string[]): Effect.Effect<void> {
  if (messages.length === 0) return Effect.void;
  const timestamp = deps.clock.now().toISOString();
  return deps.logs.append(jobId, messages.map((message) => ({ stream: "system" as const, timestamp, message }))).pipe(
    Effect.asVoid,
    Effect.catch((error) => Effect.logWarning(`job ${jobId}: ${messages.length} system log line(s) not stored`, error)),
  );
}

/** Opens the log of job `jobId`; its writer lives as long as the scope. */
export function openJobLog(deps: JobLogDeps, jobId: string, capacity: number): Effect.Effect<JobLog, never, Scope.Scope> {
  return Effect.gen(function* () {
    // A batch is all that waits once the previous append is done: a process writing fast
    // gets few, large appends. (Stream.groupedWithin's timer cost half the queue's
    // throughput of short jobs in `npm run bench -- jobs`; waiting lines batch anyway.)
    const queue = yield* Queue.dropping<LogEntry, Cause.Done>(Math.max(1, capacity));
    let dropped = 0;
    const droppedNote = (): LogEntry[] => {
      if (dropped === 0) return [];
      const note = { stream: "system" as const, timestamp: deps.clock.now().toISOString(), message: `[parallax] ${dropped} lines dropped: log store too slow` };
      dropped = 0;
      return [note];
    };
    const store = (batch: readonly LogEntry[]) => {
      const entries = [...batch, ...droppedNote()];
      if (entries.length === 0) return Effect.void;
      return deps.logs.append(jobId, entries).pipe(
        Effect.andThen(deps.onStored()),
        Effect.catch((error) => Effect.logWarning(`job ${jobId}: ${entries.length} log lines not stored`, error)),
      );
    };
    const writer = yield* Effect.forkScoped(Stream.fromQueue(queue).pipe(Stream.runForEachArray(store)));
    const add = (entry: LogEntry) => {
      if (!Queue.offerUnsafe(queue, entry)) dropped++;
    };
    return {
      add,
      system: (message) => add({ stream: "system", timestamp: deps.clock.now().toISOString(), message }),
      close: Queue.end(queue).pipe(Effect.andThen(Fiber.join(writer)), Effect.andThen(Effect.suspend(() => store([])))),
    };
  });
}
