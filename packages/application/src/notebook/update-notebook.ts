import * as Cause from "effect/Cause";
import * as Deferred from "effect/Deferred";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Random from "effect/Random";
import * as Semaphore from "effect/Semaphore";
import type { Conflict, NotFound, StorageFailure } from "@parallax/domain";
import type { Notebook } from "@parallax/domain/notebook";
import type { NotebookStore, StoredNotebook } from "./notebook-store.port.js";

/**
 * Within a process every writer of a notebook takes its turn, so a compare-and-swap only loses
 * to another process. Against one that writes without pause (a reactive session on another
 * host), a fixed handful of instant retries starved; jittered, growing pauses let the two
 * interleave, and the bound only stops a writer that can never win (about 10 s of pauses).
 */
const MAX_ATTEMPTS = 400;
const FIRST_PAUSE_MS = 1;
const LONGEST_PAUSE_MS = 50;

type Mutation<E, R> = (notebook: Notebook) => Effect.Effect<{ notebook: Notebook; result: R }, E>;
type Outcome<E, R> = { stored: StoredNotebook; result: R } | { failure: E | NotFound | StorageFailure | Conflict };

interface Pending {
  readonly mutate: Mutation<unknown, unknown>;
  readonly done: Deferred.Deferred<Outcome<unknown, unknown>>;
  settled: boolean;
}

/**
 * Per store and notebook: the mutations waiting to be written, and a turn so that one writer
 * in this process at a time reads, applies and writes them.
 */
interface Lane {
  readonly turn: Semaphore.Semaphore;
  queue: Pending[];
}
const lanes = new WeakMap<NotebookStore, Map<string, Lane>>();

function laneFor(store: NotebookStore, name: string): Lane {
  let byName = lanes.get(store);
  if (!byName) lanes.set(store, (byName = new Map()));
  let lane = byName.get(name);
  if (!lane) byName.set(name, (lane = { turn: Semaphore.makeUnsafe(1), queue: [] }));
  return lane;
}

/**
 * Read-modify-write with compare-and-swap: `mutate` sees the latest stored notebook and, when
 * another process wrote first, runs again on the newer version. No update is lost.
 *
 * Group commit: mutations of one notebook that arrive while a write is in flight are applied
 * together, in arrival order, and written once — 32 concurrent placements cost one read and one
 * fsync'd write, not 32. A mutation that fails is skipped (its caller gets the failure) and the
 * others still apply. `mutate` must be free of side effects and leave its argument untouched
 * when it fails.
 */
export function updateNotebook<E, R = Notebook>(
  store: NotebookStore,
  name: string,
  mutate: Mutation<E, R>,
): Effect.Effect<{ stored: StoredNotebook; result: R }, E | NotFound | StorageFailure | Conflict> {
  return Effect.gen(function* () {
    const lane = laneFor(store, name);
    const pending: Pending = { mutate: mutate as Mutation<unknown, unknown>, done: yield* Deferred.make<Outcome<unknown, unknown>>(), settled: false };
    lane.queue.push(pending);
    // Whoever gets the turn writes everything queued so far; a caller whose mutation was already
    // written by an earlier turn-holder just passes through.
    yield* lane.turn.withPermits(1)(
      Effect.suspend(() => {
        if (pending.settled) return Effect.void;
        const batch = lane.queue;
        lane.queue = [];
        return writeBatch(store, name, batch);
      }),
    );
    const outcome = (yield* Deferred.await(pending.done)) as Outcome<E, R>;
    if ("failure" in outcome) return yield* Effect.fail(outcome.failure);
    return outcome;
  });
}

/**
 * Runs `write` (a compare-and-swap `put` of a caller that keeps its own copy of the document,
 * as a reactive session does) in the notebook's turn. Were it to land between the read and the
 * write of an `updateNotebook` batch, that batch would have to read and try again, and a caller
 * writing after every keystroke could make it wait forever. `write` must not call
 * `updateNotebook` for the same notebook (the turn is not re-entrant).
 */
export function inNotebookTurn<A, E>(store: NotebookStore, name: string, write: Effect.Effect<A, E>): Effect.Effect<A, E> {
  return Effect.suspend(() => laneFor(store, name).turn.withPermits(1)(write));
}

function writeBatch(store: NotebookStore, name: string, batch: Pending[]): Effect.Effect<void> {
  const settle = (entry: Pending, outcome: Outcome<unknown, unknown>) => {
    entry.settled = true;
    return Deferred.succeed(entry.done, outcome);
  };
  const attempt = (left: number): Effect.Effect<void> =>
    Effect.gen(function* () {
      // Mutations that failed on an earlier attempt have their answer; the rest run again.
      const entries = batch.filter((entry) => !entry.settled);
      const current = yield* Effect.exit(store.get(name));
      if (Exit.isFailure(current)) {
        const failure = failureOf(current.cause) as NotFound | StorageFailure;
        for (const entry of entries) yield* settle(entry, { failure });
        return;
      }
      let notebook = current.value.notebook;
      const results = new Map<Pending, unknown>();
      for (const entry of entries) {
        const applied = yield* Effect.exit(entry.mutate(notebook));
        if (Exit.isSuccess(applied)) {
          notebook = applied.value.notebook;
          results.set(entry, applied.value.result);
        } else {
          yield* settle(entry, { failure: failureOf(applied.cause) });
        }
      }
      if (results.size === 0) return;
      const written = yield* Effect.exit(store.put(name, notebook, current.value.version));
      if (Exit.isSuccess(written)) {
        for (const [entry, result] of results) yield* settle(entry, { stored: written.value, result });
        return;
      }
      const failure = failureOf(written.cause) as StorageFailure | Conflict;
      if (failure._tag === "Conflict" && left > 1) {
        yield* pause(MAX_ATTEMPTS - left);
        return yield* attempt(left - 1);
      }
      for (const entry of results.keys()) yield* settle(entry, { failure });
    });
  // A defect (a bug, not a typed failure) must still release every waiter, as a defect.
  return attempt(MAX_ATTEMPTS).pipe(
    Effect.catchCause((cause) =>
      Effect.forEach(batch.filter((entry) => !entry.settled), (entry) => Deferred.done(entry.done, Exit.failCause(cause as Cause.Cause<never>)), { discard: true }),
    ),
  );
}

/** Exponential with full jitter (effect's `Random`, so a test can fix it); capped so a long wait stays responsive. */
function pause(retry: number): Effect.Effect<void> {
  const ceiling = Math.min(LONGEST_PAUSE_MS, FIRST_PAUSE_MS * 2 ** Math.min(retry, 16));
  return Effect.flatMap(Random.next, (random) => Effect.sleep(Math.max(1, Math.round(random * ceiling))));
}

/** The typed failure of a cause; anything else is a defect and is raised as one. */
function failureOf(cause: Cause.Cause<unknown>): unknown {
  for (const reason of cause.reasons) if (reason._tag === "Fail") return reason.error;
  throw new Error(`unexpected defect while updating a notebook: ${Cause.pretty(cause)}`);
}
