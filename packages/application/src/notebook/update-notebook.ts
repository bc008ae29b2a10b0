import { Effect, Semaphore } from "effect";
import type { Conflict, NotFound, StorageFailure } from "@parallax/domain";
import type { Notebook } from "@parallax/domain/notebook";
import type { NotebookStore, StoredNotebook } from "./notebook-store.port.js";

const MAX_ATTEMPTS = 64;

/**
 * Writers in this process take turns per notebook, so concurrent requests don't all read the
 * same version and then retry each other quadratically; compare-and-swap still guards against
 * other processes.
 */
const turns = new WeakMap<NotebookStore, Map<string, Semaphore.Semaphore>>();

function turnFor(store: NotebookStore, name: string): Semaphore.Semaphore {
  let byName = turns.get(store);
  if (!byName) turns.set(store, (byName = new Map()));
  let turn = byName.get(name);
  if (!turn) byName.set(name, (turn = Semaphore.makeUnsafe(1)));
  return turn;
}

/**
 * Read-modify-write with compare-and-swap: `mutate` sees the latest stored notebook and, when
 * another writer (thread or process) got in first, runs again on the newer version. No update is lost.
 * `mutate` must be free of side effects other than its result; it may fail to abort the update.
 */
export function updateNotebook<E, R = Notebook>(
  store: NotebookStore,
  name: string,
  mutate: (notebook: Notebook) => Effect.Effect<{ notebook: Notebook; result: R }, E>,
): Effect.Effect<{ stored: StoredNotebook; result: R }, E | NotFound | StorageFailure | Conflict> {
  const attempt = (left: number): Effect.Effect<{ stored: StoredNotebook; result: R }, E | NotFound | StorageFailure | Conflict> =>
    Effect.gen(function* () {
      const current = yield* store.get(name);
      const { notebook, result } = yield* mutate(current.notebook);
      const written = yield* store.put(name, notebook, current.version).pipe(
        Effect.catchTag("Conflict", (conflict) =>
          left > 1 ? Effect.succeed(undefined) : Effect.fail(conflict),
        ),
      );
      if (written === undefined) return yield* attempt(left - 1);
      return { stored: written, result };
    });
  return turnFor(store, name).withPermits(1)(attempt(MAX_ATTEMPTS));
}

