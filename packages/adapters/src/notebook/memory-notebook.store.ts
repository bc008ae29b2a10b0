import { Effect } from "effect";
import { Conflict, NotFound, type StorageFailure } from "@parallax/domain";
import type { Notebook } from "@parallax/domain/notebook";
import { serializeNotebook, type NotebookStore, type NotebookSummary, type StoredNotebook } from "@parallax/application/notebook";

/** For tests and `STORAGE=memory`: versions are counters; documents are deep-copied in and out. */
export class MemoryNotebookStore implements NotebookStore {
  private readonly entries = new Map<string, { notebook: Notebook; version: number }>();
  private counter = 0;

  list(): Effect.Effect<readonly string[], StorageFailure> {
    return Effect.sync(() => [...this.entries.keys()].sort());
  }

  listSummaries(): Effect.Effect<readonly NotebookSummary[], StorageFailure> {
    return Effect.sync(() =>
      [...this.entries.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, entry]) => ({ name, metadata: structuredClone(entry.notebook.metadata) })),
    );
  }

  get(name: string): Effect.Effect<StoredNotebook, NotFound | StorageFailure> {
    return Effect.suspend(() => {
      const entry = this.entries.get(name);
      if (!entry) return Effect.fail(new NotFound({ message: "Notebook not found" }));
      return Effect.succeed({ name, notebook: structuredClone(entry.notebook), version: String(entry.version) });
    });
  }

  readBytes(name: string): Effect.Effect<Uint8Array, NotFound | StorageFailure> {
    return Effect.map(this.get(name), (stored) => serializeNotebook(stored.notebook));
  }

  put(name: string, notebook: Notebook, expectedVersion?: string | null): Effect.Effect<StoredNotebook, Conflict | StorageFailure> {
    return Effect.suspend(() => {
      const current = this.entries.get(name);
      if (expectedVersion === null && current) {
        return Effect.fail(new Conflict({ message: `Notebook ${name} already exists` }));
      }
      if (typeof expectedVersion === "string" && String(current?.version) !== expectedVersion) {
        return Effect.fail(new Conflict({ message: `Notebook ${name} changed since it was read` }));
      }
      const version = ++this.counter;
      this.entries.set(name, { notebook: structuredClone(notebook), version });
      return Effect.succeed({ name, notebook, version: String(version) });
    });
  }

  delete(name: string): Effect.Effect<void, NotFound | StorageFailure> {
    return Effect.suspend(() =>
      this.entries.delete(name) ? Effect.void : Effect.fail(new NotFound({ message: "Notebook not found" })),
    );
  }
}
