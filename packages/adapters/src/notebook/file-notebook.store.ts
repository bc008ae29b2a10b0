import { statSync } from "node:fs";
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import * as Effect from "effect/Effect";
import { Conflict, NotFound, StorageFailure } from "@parallax/domain";
import { serializeNotebook, type Notebook } from "@parallax/domain/notebook";
import { type NotebookStore, type NotebookSummary, type StoredBytes, type StoredNotebook } from "@parallax/application/notebook";
import { readFileVersioned, removeOrphanedTemps, versionOf, writeFileAtomic } from "../shared/atomic-file.js";
import { unlessMissing } from "../shared/errno.js";
import { FileLocks, STALE_MS } from "../shared/file-lock.js";
import { NotebookCache, type CachedNotebook } from "./notebook-cache.js";
import { NotebookSummaries } from "./notebook-summaries.js";
import { parseStored, readStoredText } from "./stored-notebook.js";

/** 64 MiB: a thousand 30 KB notebooks, or a few large ones. */
const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * Notebooks as `.ipynb` files under `<DATA_DIR>/notebooks`, readable by JupyterLab as they are.
 * Writes are atomic (temp + fsync + rename + fsync dir) and go through a per-notebook lock file,
 * so several processes sharing the directory never lose an update or tear a file. A writer
 * killed mid-write leaves a temp or lock file behind; the store removes those of dead writers
 * when it starts.
 *
 * What it read or wrote last is kept in memory by version (`NotebookCache`, `cacheBytes` at
 * most): serving a notebook costs one `stat` and no read while the file is unchanged, and a
 * group commit starts from the parsed document of the version it wrote instead of reading and
 * parsing it again. A file changed by anyone else has another version and is read again.
 */
export class FileNotebookStore implements NotebookStore {
  private readonly locks = new FileLocks({ staleMs: STALE_MS });
  private readonly summaries = new NotebookSummaries();
  private readonly cache: NotebookCache;
  private readonly ready: Promise<void>;

  constructor(
    private readonly directory: string,
    options: { readonly cacheBytes?: number } = {},
  ) {
    this.cache = new NotebookCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES);
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

  /** The cached parse of the current version (a copy: the caller owns it), else the file read and parsed. */
  get(name: string): Effect.Effect<StoredNotebook, NotFound | StorageFailure> {
    return Effect.flatMap(
      // Not served lately: read in ~1 MiB pieces, so a big notebook is never held as bytes and text at once.
      this.current(name, readStoredText),
      (found): Effect.Effect<StoredNotebook, NotFound | StorageFailure> => {
        if (!found) return Effect.fail(new NotFound({ message: "Notebook not found" }));
        if ("text" in found) return Effect.map(parseStored(found.text, this.pathOf(name)), (notebook) => ({ name, notebook, version: found.version }));
        if (found.notebook) return Effect.succeed({ name, notebook: structuredClone(found.notebook), version: found.version });
        return Effect.map(parseStored(found.bytes, this.pathOf(name)), (notebook) => {
          if (this.cache.keeps(found.bytes.byteLength)) {
            const kept = structuredClone(notebook);
            this.cache.set(name, { version: found.version, bytes: found.bytes, metadata: kept.metadata, notebook: kept });
          }
          return { name, notebook, version: found.version };
        });
      },
    );
  }

  readBytes(name: string): Effect.Effect<StoredBytes, NotFound | StorageFailure> {
    return Effect.flatMap(this.current(name, readFileVersioned), (found) => {
      if (!found) return Effect.fail(new NotFound({ message: "Notebook not found" }));
      if ("metadata" in found) return Effect.succeed({ bytes: found.bytes, version: found.version, metadata: found.metadata });
      // Only the metadata is taken (shared with the listing's, so a version is parsed once): serving
      // does not depend on the document being whole.
      const entry = { version: found.version, bytes: found.bytes, metadata: this.summaries.metadataOf(name, found.version, found.bytes) };
      this.cache.set(name, entry);
      return Effect.succeed(entry);
    });
  }

  /** The cache entry of the file's current version (one `stat`), else what `read` reads of the file. */
  private current<Read extends { version: string }>(name: string, read: (path: string) => Promise<Read>): Effect.Effect<CachedNotebook | Read | undefined, StorageFailure> {
    return this.io(`read ${name}`, async () => {
      await this.ready;
      const path = this.pathOf(name);
      const version = this.currentVersionNow(path);
      if (version === null) {
        this.cache.delete(name);
        return undefined;
      }
      return this.cache.get(name, version) ?? unlessMissing(read(path), undefined);
    });
  }

  put(name: string, notebook: Notebook, expectedVersion?: string | null): Effect.Effect<StoredNotebook, Conflict | StorageFailure> {
    const serialized = serializeNotebook(notebook);
    const bytes = Buffer.from(serialized.buffer, serialized.byteOffset, serialized.byteLength);
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
      (outcome): Effect.Effect<StoredNotebook, Conflict> => {
        if (outcome.conflict !== undefined) return Effect.fail(new Conflict({ message: outcome.conflict }));
        // The next update starts from this version without reading or parsing it: a copy of what
        // was written (the caller keeps its object and may change it), equal as JSON to a read.
        if (this.cache.keeps(bytes.byteLength)) {
          const written = structuredClone(notebook);
          this.cache.set(name, { version: outcome.version, bytes, metadata: written.metadata, notebook: written });
        }
        return Effect.succeed({ name, notebook, version: outcome.version });
      },
    );
  }

  delete(name: string): Effect.Effect<void, NotFound | StorageFailure> {
    return Effect.flatMap(
      this.io(`delete ${name}`, async () => {
        await this.ready;
        this.cache.delete(name);
        return this.locks.withLock(this.pathOf(name), () => unlessMissing(rm(this.pathOf(name)).then(() => true), false));
      }),
      (deleted) => (deleted ? Effect.void : Effect.fail(new NotFound({ message: "Notebook not found" }))),
    );
  }

  /**
   * The serving path's one `stat`, synchronous: on a local file system it takes a couple of
   * microseconds, less than handing it to libuv's thread pool and back (measured: ~2 µs against
   * ~17 µs of CPU), and it is the only file-system call a served notebook costs.
   */
  private currentVersionNow(path: string): string | null {
    const info = statSync(path, { bigint: true, throwIfNoEntry: false });
    return info ? versionOf(info) : null;
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
