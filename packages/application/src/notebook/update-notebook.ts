import { Effect } from "effect";
import type { Conflict, NotFound, StorageFailure } from "@parallax/domain";
import type { Notebook } from "@parallax/domain/notebook";
import type { NotebookStore, StoredNotebook } from "./notebook-store.port.js";

const MAX_ATTEMPTS = 64;

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
      const { notebook, result } = yield* mutate(structuredClone(current.notebook));
      const written = yield* store.put(name, notebook, current.version).pipe(
        Effect.catchTag("Conflict", (conflict) =>
          left > 1 ? Effect.succeed(undefined) : Effect.fail(conflict),
        ),
      );
      if (written === undefined) return yield* attempt(left - 1);
      return { stored: written, result };
    });
  return attempt(MAX_ATTEMPTS);
}

