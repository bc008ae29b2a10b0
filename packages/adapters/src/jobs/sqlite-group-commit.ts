import type Database from "better-sqlite3";
import * as Effect from "effect/Effect";
import type { StorageFailure } from "@parallax/domain";

/** Writes one transaction holds at most: past this many the batch commits at once, not at the turn's end. */
const CAP = 256;

interface Pending {
  readonly write: () => Effect.Effect<unknown, unknown>;
  readonly failure: (cause: unknown) => StorageFailure;
  readonly resume: (answer: Effect.Effect<unknown, unknown>) => void;
}

/**
 * Group commit for one connection: the writes issued in one event-loop turn run in one
 * `BEGIN IMMEDIATE … COMMIT` (one WAL commit, one fsync with `synchronous=full`, one lock
 * round), each write still its own statement with its own answer. A statement that fails
 * (a constraint: SQLite rolls back that statement only) or whose version check changes no
 * row answers only its own caller; the others commit. Every caller is answered after the
 * COMMIT returned, so an acknowledged write is as durable as a statement committed alone.
 *
 * The batch runs synchronously, so no transaction is ever open across an await. A read on
 * this connection flushes first: a read of several rows (a listing, a claim's candidates)
 * always (`flush`), a read of one row when a pending write writes it (`flushFor`). A read so
 * sees every write issued before it that it could see, as when each write committed alone.
 *
 * The write lock is waited for without blocking the event loop: `BEGIN IMMEDIATE` is tried
 * without SQLite's busy handler (which sleeps on this thread, up to the connection's
 * `busy_timeout`), and while another process holds the lock the batch waits on a timer and is
 * tried again every millisecond, writes issued meanwhile joining it; a host keeps serving while
 * a worker process writes. While it waits, a read does not commit it (none of its writes was
 * acknowledged, so reading before them is an order they could have had).
 *
 * A failure that ends the transaction itself (the write lock not taken within the connection's
 * busy timeout, a disk error: SQLite rolls everything back) fails every write of the batch: none
 * was acknowledged, none is half kept.
 */
export class GroupCommit {
  private pending: Pending[] = [];
  /** What the pending writes write (a job's id, a claim's pipeline): a read of one flushes only if it is here. */
  private readonly keys = new Set<string>();
  private scheduled = false;
  /** Set while another connection holds the write lock: the batch is tried again when it fires. */
  private retry: NodeJS.Timeout | undefined;
  /** When the current wait for the write lock began. */
  private waitingSince = 0;
  private readonly busyTimeoutMs: number;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.busyTimeoutMs = busyTimeouts.get(db) ?? Number(db.pragma("busy_timeout", { simple: true }));
    this.begin = db.prepare("BEGIN IMMEDIATE");
    this.commit = db.prepare("COMMIT");
    this.rollback = db.prepare("ROLLBACK");
  }

  /** `write` run in the turn's transaction; its answer (or a StorageFailure for what it threw) once that committed. */
  write<A, E>(key: string, write: () => Effect.Effect<A, E>, failure: (cause: unknown) => StorageFailure): Effect.Effect<A, E | StorageFailure> {
    return Effect.callback<A, E | StorageFailure>((resume) => {
      const entry: Pending = { write, failure, resume: resume as Pending["resume"] };
      this.pending.push(entry);
      this.keys.add(key);
      if (this.pending.length >= CAP) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not a microtask: Effect runs its fibers in microtasks, so a microtask
        // would commit before the turn's other fibers issued their writes.
        setImmediate(this.flushScheduled);
      }
      // Interrupted before its batch ran (a worker stopping while the lock is elsewhere): the
      // write is withdrawn, not committed for nobody. Once run, it was answered already.
      return Effect.sync(() => {
        const at = this.pending.indexOf(entry);
        if (at !== -1) this.pending.splice(at, 1);
      });
    });
  }

  /**
   * `flush` if a pending write writes `key`: a read of one row waits for nothing else. Each row
   * read is then as fresh as a flush would make it, and a read of one row and a write of
   * another issued in the same turn were concurrent: either order is an answer they could get.
   */
  flushFor(key: string): void {
    if (this.keys.has(key)) this.flush();
  }

  private readonly flushScheduled = () => {
    this.scheduled = false;
    this.flush();
  };

  /**
   * Runs and commits the pending writes now (a read of several rows), unless another process
   * holds the write lock: then they wait for it on a timer (see the class). `blocking` (`close`):
   * waits for the lock here, as SQLite's busy handler does, up to the busy timeout.
   */
  flush(blocking = false): void {
    if (this.pending.length === 0) {
      // Every waiting write was withdrawn: the next batch's wait starts afresh.
      this.waitingSince = 0;
      return;
    }
    if (this.retry !== undefined) {
      if (!blocking) return;
      clearTimeout(this.retry);
      this.retry = undefined;
    }
    const batch = this.pending;
    const answers = this.run(batch, blocking);
    if (answers === "busy") {
      this.waitingSince ||= Date.now();
      this.retry = setTimeout(this.retryFlush, 1);
      return;
    }
    this.waitingSince = 0;
    this.pending = [];
    this.keys.clear();
    for (let i = 0; i < batch.length; i++) batch[i]!.resume(answers[i]!);
  }

  private readonly retryFlush = () => {
    this.retry = undefined;
    this.flush();
  };

  /** `BEGIN IMMEDIATE` without waiting for another connection's lock (`waitWithoutBlocking`): false if it holds it. */
  private beginNow(): boolean {
    try {
      this.begin.run();
      return true;
    } catch (cause) {
      if (isBusy(cause) && Date.now() - (this.waitingSince || Date.now()) < this.busyTimeoutMs) return false;
      throw cause;
    }
  }

  private run(batch: readonly Pending[], blocking: boolean): Array<Effect.Effect<unknown, unknown>> | "busy" {
    const failAll = (cause: unknown) => batch.map((pending) => Effect.fail(pending.failure(cause)));
    try {
      if (blocking) whileBlocking(this.db, () => this.begin.run());
      else if (!this.beginNow()) return "busy";
    } catch (cause) {
      return failAll(cause);
    }
    const answers: Array<Effect.Effect<unknown, unknown>> = [];
    for (const pending of batch) {
      try {
        answers.push(pending.write());
      } catch (cause) {
        // The statement alone was rolled back unless SQLite ended the whole transaction.
        if (!this.db.inTransaction) return failAll(cause);
        answers.push(Effect.fail(pending.failure(cause)));
      }
    }
    try {
      this.commit.run();
    } catch (cause) {
      if (this.db.inTransaction) this.rollback.run();
      return failAll(cause);
    }
    return answers;
  }
}

const busyTimeouts = new WeakMap<Database.Database, number>();

/**
 * Takes SQLite's busy handler off the connection (it sleeps on the event loop's thread until
 * another connection lets go of a lock, up to the busy timeout), remembering `busyTimeoutMs` for
 * `GroupCommit`'s wait on a timer and for `whileBlocking`. Toggling it per transaction instead
 * cost a statement compilation each time (SQLite applies `busy_timeout` when it compiles it).
 */
export function waitWithoutBlocking(db: Database.Database, busyTimeoutMs: number): void {
  busyTimeouts.set(db, busyTimeoutMs);
  db.pragma("busy_timeout = 0");
}

/**
 * `body` with the busy handler back on: where waiting on this thread is right (a process
 * opening the file, a migration with everything stopped, `close`) or the only way (a read that
 * met a lock: in WAL mode only during another connection's recovery after a crash).
 */
export function whileBlocking<A>(db: Database.Database, body: () => A): A {
  const timeout = busyTimeouts.get(db);
  if (timeout === undefined) return body();
  db.pragma(`busy_timeout = ${timeout}`);
  try {
    return body();
  } finally {
    db.pragma("busy_timeout = 0");
  }
}

/** `read()`, again with the busy handler on if a lock kept it from running. */
export function readWaitingIfBusy<A>(db: Database.Database, read: () => A): A {
  try {
    return read();
  } catch (cause) {
    if (!isBusy(cause)) throw cause;
    return whileBlocking(db, read);
  }
}

const isBusy = (cause: unknown) => (cause as { code?: string }).code?.startsWith("SQLITE_BUSY") === true;

const groups = new WeakMap<Database.Database, GroupCommit>();

/** The connection's group commit, shared by every store writing through it. */
export function groupCommitOf(db: Database.Database): GroupCommit {
  let group = groups.get(db);
  if (!group) groups.set(db, (group = new GroupCommit(db)));
  return group;
}
