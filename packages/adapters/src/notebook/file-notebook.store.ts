import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import * as Effect from "effect/Effect";
import { Conflict, NotFound, StorageFailure } from "@parallax/domain";
import { serializeNotebook, type Notebook } from "@parallax/domain/notebook";
import { type NotebookStore, type NotebookSummary, type StoredNotebook } from "@parallax/application/notebook";
import { readFileVersioned, removeOrphanedTemps, versionOf, writeFileAtomic } from "../shared/atomic-file.js";
import { unlessMissing } from "../shared/errno.js";
import { FileLocks, STALE_MS } from "../shared/file-lock.js";
import { NotebookSummaries } from "./notebook-summaries.js";
import { parseStored, readStoredText } from "./stored-notebook.js";

/**
 * Notebooks as `.ipynb` files under `<DATA_DIR>/notebooks`, readable by JupyterLab as they are.
 * Writes are atomic (temp + fsync + rename + fsync dir) and go through a per-notebook lock file,
 * so several processes sharing the directory never lose an update or tear a file. A writer
 * killed mid-write leaves a temp or lock file behind; the store removes those of dead writers
 * when it starts.
 */
export class FileNotebookStore implements NotebookStore {
  private readonly locks = new FileLocks({ staleMs: STALE_MS });
  private readonly summaries = new NotebookSummaries();
  private readonly ready: Promise<void>;

  constructor(private readonly directory: string) {
    this.ready = this.prepare();
    // Each operation awaits (and reports) a failure; this only keeps it from being unhandled meanwhile.
    this.ready.catch(() => undefined);
  }

  list(): Effect.Effect<readonly string[], StorageFailure> {
    return this.io("list notebooks", () => this.names());
  }

  listSummaries(): Effect.Effect<readonly NotebookSummary[], StorageFailure> {
    return this.io("list notebooks", async () => this.summaries.list(await this.names(), (name) => this.pathOf(name)));
  }

  private async names(): Promise<string[]> {
    await this.ready;
    const entries = await readdir(this.directory);
    return entries.filter((entry) => entry.endsWith(".ipynb") && !entry.startsWith(".")).sort();
  }

  get(name: string): Effect.Effect<StoredNotebook, NotFound | StorageFailure> {
    return Effect.flatMap(
      this.io(`read ${name}`, async () => {
        await this.ready;
        return unlessMissing(readStoredText(this.pathOf(name)), undefined);
      }),
      (file): Effect.Effect<StoredNotebook, NotFound | StorageFailure> => {
        if (!file) return Effect.fail(new NotFound({ message: "Notebook not found" }));
        return Effect.map(parseStored(file.text, this.pathOf(name)), (notebook) => ({ name, notebook, version: file.version }));
      },
    );
  }

  readBytes(name: string): Effect.Effect<Uint8Array, NotFound | StorageFailure> {
    return Effect.flatMap(this.readVersioned(name), (file) =>
      file ? Effect.succeed(file.bytes) : Effect.fail(new NotFound({ message: "Notebook not found" })),
    );
  }

  private readVersioned(name: string): Effect.Effect<{ bytes: Buffer; version: string } | undefined, StorageFailure> {
    return this.io(`read ${name}`, async () => {
      await this.ready;
      return unlessMissing(readFileVersioned(this.pathOf(name)), undefined);
    });
  }

  put(name: string, notebook: Notebook, expectedVersion?: string | null): Effect.Effect<StoredNotebook, Conflict | StorageFailure> {
    const bytes = serializeNotebook(notebook);
    return Effect.flatMap(
      this.io(`write ${name}`, async () => {
        await this.ready;
        const path = this.pathOf(name);
        return this.locks.withLock(path, async () => {
          if (expectedVersion !== undefined) {
            const current = await this.currentVersion(path);
            if (current !== expectedVersion) {
              const conflict = current === null ? `Notebook ${name} no longer exists` : `Notebook ${name} already exists`;
              return { conflict: expectedVersion === null ? conflict : `Notebook ${name} changed since it was read`, version: "" };
            }
          }
          return { conflict: undefined, version: await writeFileAtomic(path, bytes) };
        });
      }),
      (outcome): Effect.Effect<StoredNotebook, Conflict> =>
        outcome.conflict !== undefined
          ? Effect.fail(new Conflict({ message: outcome.conflict }))
          : Effect.succeed({ name, notebook, version: outcome.version }),
    );
  }

  delete(name: string): Effect.Effect<void, NotFound | StorageFailure> {
    return Effect.flatMap(
      this.io(`delete ${name}`, async () => {
        await this.ready;
        return this.locks.withLock(this.pathOf(name), () => unlessMissing(rm(this.pathOf(name)).then(() => true), false));
      }),
      (deleted) => (deleted ? Effect.void : Effect.fail(new NotFound({ message: "Notebook not found" }))),
    );
  }

  private async currentVersion(path: string): Promise<string | null> {
    return unlessMissing(stat(path, { bigint: true }).then(versionOf), null);
  }

  private pathOf(name: string): string {
    // Names reach the store already parsed by the domain; this guards the file system regardless.
    if (name.includes("/") || name.includes("\\") || name.startsWith(".") || !name.endsWith(".ipynb")) {
      throw new Error(`refusing unsafe notebook file name ${JSON.stringify(name)}`);
    }
    return join(this.directory, name);
  }

  private async prepare(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    await removeOrphanedTemps(this.directory, STALE_MS);
    await this.locks.removeStale(this.directory);
  }

  private io<A>(what: string, run: () => Promise<A>): Effect.Effect<A, StorageFailure> {
    return Effect.tryPromise({ try: run, catch: (cause) => new StorageFailure({ message: `Could not ${what}: ${(cause as Error).message}`, cause }) });
  }
}
