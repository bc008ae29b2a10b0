import { randomUUID } from "node:crypto";
import * as Effect from "effect/Effect";
import { Conflict, NotFound, type StorageFailure } from "@parallax/domain";
import { serializeNotebook, type JsonObject, type Notebook } from "@parallax/domain/notebook";
import type { NotebookStore, NotebookSummary, StoredBytes, StoredNotebook } from "@parallax/application/notebook";
import { parseStored } from "./stored-notebook.js";

/**
 * For tests and `STORAGE=memory`: versions are counters, prefixed with a token of the store
 * instance so that a version (an ETag) never names two documents across restarts. A notebook is
 * kept as the bytes a file would hold and parsed on the way out as the file store parses them, so
 * the two stores agree on what round-trips (and the caller always owns what it gets).
 */
export class MemoryNotebookStore implements NotebookStore {
  private readonly entries = new Map<string, { bytes: Uint8Array; metadata: JsonObject; version: string }>();
  private readonly instance = randomUUID().slice(0, 8);
  private counter = 0;

  list(): Effect.Effect<readonly string[], StorageFailure> {
    return Effect.sync(() => [...this.entries.keys()].sort());
  }

  listSummaries(): Effect.Effect<readonly NotebookSummary[], StorageFailure> {
    return Effect.sync(() =>
      [...this.entries.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, entry]) => ({ name, metadata: entry.metadata })),
    );
  }

  get(name: string): Effect.Effect<StoredNotebook, NotFound | StorageFailure> {
    return Effect.suspend((): Effect.Effect<StoredNotebook, NotFound | StorageFailure> => {
      const entry = this.entries.get(name);
      if (!entry) return Effect.fail(new NotFound({ message: "Notebook not found" }));
      return Effect.map(parseStored(entry.bytes, name), (notebook) => ({ name, notebook, version: entry.version }));
    });
  }

  readBytes(name: string): Effect.Effect<StoredBytes, NotFound | StorageFailure> {
    return Effect.suspend(() => {
      const entry = this.entries.get(name);
      return entry ? Effect.succeed({ bytes: entry.bytes, version: entry.version, metadata: entry.metadata }) : Effect.fail(new NotFound({ message: "Notebook not found" }));
    });
  }

  put(name: string, notebook: Notebook, expectedVersion?: string | null): Effect.Effect<StoredNotebook, Conflict | StorageFailure> {
    return Effect.suspend(() => {
      const current = this.entries.get(name);
      if (expectedVersion === null && current) {
        return Effect.fail(new Conflict({ message: `Notebook ${name} already exists` }));
      }
      if (typeof expectedVersion === "string" && current?.version !== expectedVersion) {
        return Effect.fail(new Conflict({ message: `Notebook ${name} changed since it was read` }));
      }
      const version = `${this.instance}-${++this.counter}`;
      this.entries.set(name, { bytes: serializeNotebook(notebook), metadata: structuredClone(notebook.metadata), version });
      return Effect.succeed({ name, notebook, version });
    });
  }

  delete(name: string): Effect.Effect<void, NotFound | StorageFailure> {
    return Effect.suspend(() =>
      this.entries.delete(name) ? Effect.void : Effect.fail(new NotFound({ message: "Notebook not found" })),
    );
  }
}
