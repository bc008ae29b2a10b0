import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Effect } from "effect";
import { Conflict, NotFound, StorageFailure } from "@parallax/domain";
import type { Notebook } from "@parallax/domain/notebook";
import { serializeNotebook, type NotebookStore, type StoredNotebook } from "@parallax/application/notebook";
import { readFileVersioned, versionOf, writeFileAtomic } from "../shared/atomic-file.js";
import { FileLocks } from "../shared/file-lock.js";

/**
 * Notebooks as `.ipynb` files under `<DATA_DIR>/notebooks`, readable by JupyterLab as they are.
 * Writes are atomic (temp + fsync + rename + fsync dir) and go through a per-notebook lock file,
 * so several processes sharing the directory never lose an update or tear a file.
 */
export class FileNotebookStore implements NotebookStore {
  private readonly locks = new FileLocks();
  private ready: Promise<void> | undefined;

  constructor(private readonly directory: string) {}

  list(): Effect.Effect<readonly string[], StorageFailure> {
    return this.io("list notebooks", async () => {
      await this.ensureDirectory();
      const entries = await readdir(this.directory);
      return entries.filter((entry) => entry.endsWith(".ipynb") && !entry.startsWith(".")).sort();
    });
  }

  get(name: string): Effect.Effect<StoredNotebook, NotFound | StorageFailure> {
    return Effect.flatMap(
      this.readVersioned(name),
      (file): Effect.Effect<StoredNotebook, NotFound | StorageFailure> => {
        if (!file) return Effect.fail(new NotFound({ message: "Notebook not found" }));
        return Effect.try({
          try: () => ({ name, notebook: JSON.parse(file.bytes.toString("utf8")) as Notebook, version: file.version }),
          catch: (error) => new StorageFailure({ message: `Stored notebook ${name} is not JSON`, cause: error }),
        });
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
      try {
        return await readFileVersioned(this.pathOf(name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    });
  }

  put(name: string, notebook: Notebook, expectedVersion?: string | null): Effect.Effect<StoredNotebook, Conflict | StorageFailure> {
    const bytes = serializeNotebook(notebook);
    return Effect.flatMap(
      this.io(`write ${name}`, async () => {
        await this.ensureDirectory();
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
      this.io(`delete ${name}`, () =>
        this.locks.withLock(this.pathOf(name), async () => {
          try {
            await rm(this.pathOf(name));
            return true;
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
            throw error;
          }
        }),
      ),
      (deleted) => (deleted ? Effect.void : Effect.fail(new NotFound({ message: "Notebook not found" }))),
    );
  }

  private async currentVersion(path: string): Promise<string | null> {
    try {
      return versionOf(await stat(path, { bigint: true }));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  private pathOf(name: string): string {
    // Names reach the store already parsed by the domain; this guards the file system regardless.
    if (name.includes("/") || name.includes("\\") || name.startsWith(".") || !name.endsWith(".ipynb")) {
      throw new Error(`refusing unsafe notebook file name ${JSON.stringify(name)}`);
    }
    return join(this.directory, name);
  }

  private ensureDirectory(): Promise<void> {
    this.ready ??= mkdir(this.directory, { recursive: true }).then(() => undefined);
    return this.ready;
  }

  private io<A>(what: string, run: () => Promise<A>): Effect.Effect<A, StorageFailure> {
    return Effect.tryPromise({ try: run, catch: (cause) => new StorageFailure({ message: `Could not ${what}: ${(cause as Error).message}`, cause }) });
  }
}
