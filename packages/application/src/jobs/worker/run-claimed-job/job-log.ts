import * as Deferred from "effect/Deferred";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import type * as Scope from "effect/Scope";
import type { Clock } from "../../../shared/clock.port.js";
import type { LogEntry, LogStore } from "../../ports/log-store.port.js";
import { Wakeup } from "../../wakeup.js";

export interface JobLogDeps {
  readonly logs: LogStore;
  readonly clock: Clock;
  /** Lines of the job were stored (wake whoever follows it). */
  readonly onStored: () => Effect.Effect<void>;
}

/**
 * A running job's log, written in batches while the process runs. Nothing the process writes
 * is lost and memory stays bounded whatever it writes: once `capacity` lines wait for a slow
 * log store, whoever reads the process waits for `room` (its pipe fills and the process
 * blocks on its next write, as with a terminal that is not read), so at most `capacity` lines
 * wait and one batch is being stored.
 */
export interface JobLog {
  /** Queues a line; never waits (the reader of the process waits for `room` after a chunk). */
  add(entry: LogEntry): void;
  /** Returns once fewer than `capacity` lines wait (at once, mostly), or the log closed. */
  readonly room: Effect.Effect<void>;
  /** Queues one of Parallax's own `[parallax] …` lines, stamped now. */
  system(message: string): void;
  /** Stores everything queued so far, then takes no more lines. */
  readonly close: Effect.Effect<void>;
}

/**
 * How long a run's first lines wait before they are stored: a run that ends sooner stores
 * its first and last lines in one append (a no-op job's start and completion lines: one
 * append instead of two), a longer one has its start line stored this soon. Lines of a log
 * that stored some already do not wait (a fast process's output is not held back).
 */
export const LOG_GATHER_MS = 5;

/** Lines waiting in one log that end its gathering wait at once (a short run writes fewer). */
const GATHER_LINES = 128;

let stampedMs = Number.NaN;
let stamped = "";
/**
 * The clock's time as a log line's timestamp (ISO 8601). Lines stamped within the same
 * millisecond share one string: formatted once, and kept once by the log store.
 */
export function stampNow(clock: Clock): string {
  const now = clock.now();
  const ms = now.getTime();
  if (ms !== stampedMs) {
    stampedMs = ms;
    stamped = now.toISOString();
  }
  return stamped;
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

/** Opens the log of job `jobId` with a writer of its own that lives as long as the scope. */
export function openJobLog(deps: JobLogDeps, jobId: string, capacity: number): Effect.Effect<JobLog, never, Scope.Scope> {
  return Effect.gen(function* () {
    const writer = new LogWriter(deps, 0);
    yield* Effect.forkScoped(writer.run);
    return writer.open(jobId, capacity, deps.onStored);
  });
}

/**
 * Stores the lines of all the logs it opened: one fiber for all of a worker's running jobs
 * (a writer fiber per job cost more than a short job itself). Idle until a line arrives;
 * then stores every log's waiting lines (one append per log, the logs side by side), and
 * again at once while more arrived meanwhile: a process writing fast gets few, large
 * appends. Only a new log's first lines wait `gatherMs` first (see `LOG_GATHER_MS`). A log's
 * `close` stores its last lines itself, after the batch in flight.
 */
export class LogWriter {
  /** Logs with lines waiting, in the order their first line came. */
  private readonly waiting = new Set<BufferedJobLog>();
  private readonly wakeup = new Wakeup();
  /** Ends the gathering wait early: a log that stored lines already has more. */
  private readonly urgent = new Wakeup();
  private idle = true;
  private gathering = false;

  constructor(
    private readonly deps: Pick<JobLogDeps, "logs" | "clock">,
    private readonly gatherMs: number = LOG_GATHER_MS,
  ) {}

  open(jobId: string, capacity: number, onStored: () => Effect.Effect<void>): JobLog {
    return new BufferedJobLog(this, this.deps, jobId, Math.max(1, capacity), onStored);
  }

  /** @internal A log has lines waiting; `fresh`: none of its lines were stored yet. */
  due(log: BufferedJobLog, fresh: boolean): void {
    this.waiting.add(log);
    if (this.idle) {
      this.idle = false;
      this.wakeup.notify();
    } else if (this.gathering && !fresh) this.urgent.notify();
  }

  /** @internal A log stores its lines itself from now on (it is closing). */
  forget(log: BufferedJobLog): void {
    this.waiting.delete(log);
  }

  /** Stores lines as they come, until interrupted. */
  get run(): Effect.Effect<never> {
    const gather = Effect.suspend(() => {
      if (this.gatherMs <= 0) return Effect.void;
      for (const log of this.waiting) if (!log.fresh) return Effect.void;
      this.gathering = true;
      return Effect.ensuring(this.urgent.wait(this.gatherMs), Effect.sync(() => void (this.gathering = false)));
    });
    const round: Effect.Effect<void> = Effect.suspend(() => {
      if (this.waiting.size === 0) {
        this.idle = true;
        return Effect.void;
      }
      const logs = [...this.waiting];
      this.waiting.clear();
      const flushed = logs.length === 1 ? logs[0]!.flush : Effect.forEach(logs, (log) => log.flush, { concurrency: "unbounded", discard: true });
      return Effect.andThen(flushed, round);
    });
    // Woken inside the `add` of the first line (a latch resumes its waiter at once): the
    // writer yields first, so the lines added in the same breath go in the same append.
    const loop = Effect.forever(Effect.andThen(this.wakeup.notified, Effect.andThen(Effect.yieldNow, Effect.andThen(gather, round))));
    // Lines that came while no writer ran (none yet, or a previous run was interrupted) wake it at once.
    const resume = Effect.sync(() => {
      this.idle = this.waiting.size === 0;
      if (!this.idle) this.wakeup.notify();
    });
    return Effect.andThen(resume, loop);
  }
}

class BufferedJobLog implements JobLog {
  private pending: LogEntry[] = [];
  private closed = false;
  /**
   * Opened when lines are taken out or the log closes: the reader of a full log waits on it.
   * Made by the first such reader: most logs never fill, and a latch per run is garbage.
   */
  private drained: Wakeup | undefined;
  private waitForRoom: Effect.Effect<void> | undefined;
  /** None of its lines were stored yet. */
  fresh = true;
  /** A batch is being stored by the writer; `close` waits for it (lines stay in order). */
  private flushing = false;
  private flushed: Deferred.Deferred<void> | undefined;

  constructor(
    private readonly writer: LogWriter,
    private readonly deps: Pick<JobLogDeps, "logs" | "clock">,
    private readonly jobId: string,
    private readonly capacity: number,
    private readonly onStored: () => Effect.Effect<void>,
  ) {}

  add(entry: LogEntry): void {
    if (this.closed) return;
    this.pending.push(entry);
    if (this.pending.length === 1) this.writer.due(this, this.fresh);
    // Gathering only merges a short run's first and last lines: a fast writer's output does not
    // wait for it (a late gathering timer on a busy machine let 10,000 lines fill the buffer).
    else if (this.pending.length === GATHER_LINES) this.writer.due(this, false);
  }

  system(message: string): void {
    this.add({ stream: "system", timestamp: stampNow(this.deps.clock), message });
  }

  /** One effect for the log's life, made when first asked for (a run without output never is): awaited after every chunk the process writes. */
  get room(): Effect.Effect<void> {
    return (this.waitForRoom ??= Effect.suspend(() =>
      this.closed || this.pending.length < this.capacity ? Effect.void : Effect.andThen((this.drained ??= new Wakeup()).notified, this.room),
    ));
  }

  /** The waiting lines, taken out. */
  private take(): LogEntry[] {
    const entries = this.pending;
    this.pending = [];
    this.drained?.notify();
    return entries;
  }

  private store(entries: readonly LogEntry[]): Effect.Effect<void> {
    if (entries.length === 0) return Effect.void;
    return Effect.catch(Effect.andThen(this.deps.logs.append(this.jobId, entries), this.onStored()), (error) =>
      Effect.logWarning(`job ${this.jobId}: ${entries.length} log lines not stored`, error),
    );
  }

  /** @internal The writer's turn: stores what waits. */
  get flush(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.closed) return Effect.void;
      this.flushing = true;
      this.fresh = false;
      return Effect.ensuring(
        this.store(this.take()),
        Effect.sync(() => {
          this.flushing = false;
          if (this.flushed) Deferred.doneUnsafe(this.flushed, Exit.void);
        }),
      );
    });
  }

  get close(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.closed) return Effect.void;
      this.closed = true;
      this.drained?.notify();
      this.writer.forget(this);
      if (!this.flushing) return this.store(this.take());
      this.flushed = Deferred.makeUnsafe<void>();
      return Effect.andThen(Deferred.await(this.flushed), Effect.suspend(() => this.store(this.take())));
    });
  }
}
