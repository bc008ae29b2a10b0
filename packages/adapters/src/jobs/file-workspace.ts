import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { Effect } from "effect";
import { glob } from "tinyglobby";
import { StorageFailure } from "@parallax/domain";
import type { AnnotationStore, AnnotationsDocument, Workspace } from "@parallax/application/jobs";

const failure = (what: string) => (cause: unknown) => new StorageFailure({ message: `${what}: ${(cause as Error).message}`, cause });

/** The pipelines' files on local disk, relative to the pipelines' base directory. */
export class FileWorkspace implements Workspace {
  constructor(readonly baseDir: string) {}

  resolve(path: string): string {
    return isAbsolute(path) ? path : resolve(this.baseDir, path);
  }

  countMatches(pattern: string): Effect.Effect<number, StorageFailure> {
    return Effect.tryPromise({
      try: async () => (await glob(pattern, { cwd: this.baseDir, onlyFiles: true, absolute: false, expandDirectories: false })).length,
      catch: failure(`glob ${pattern}`),
    });
  }

  exists(path: string): Effect.Effect<boolean, StorageFailure> {
    return Effect.try({ try: () => existsSync(this.resolve(path)), catch: failure(`exists ${path}`) });
  }

  readJson(path: string): Effect.Effect<unknown, StorageFailure> {
    return Effect.sync(() => {
      try {
        return JSON.parse(readFileSync(this.resolve(path), "utf8")) as unknown;
      } catch {
        return undefined;
      }
    });
  }
}

/** Writes a file completely or not at all (temp file in the same directory, then rename). */
export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temp, content);
  renameSync(temp, path);
}

/** Annotations as one JSON file `{annotations, updated_at}` that the apply pipeline reads. */
export class FileAnnotationStore implements AnnotationStore {
  constructor(readonly path: string) {}

  load(): Effect.Effect<AnnotationsDocument, StorageFailure> {
    return Effect.try({
      try: () => {
        if (!existsSync(this.path)) return { annotations: [], updated_at: null };
        const parsed = JSON.parse(readFileSync(this.path, "utf8")) as Partial<AnnotationsDocument>;
        return { annotations: Array.isArray(parsed.annotations) ? parsed.annotations : [], updated_at: parsed.updated_at ?? null };
      },
      catch: failure(`annotations ${this.path}`),
    });
  }

  save(annotations: readonly unknown[], now: Date): Effect.Effect<AnnotationsDocument, StorageFailure> {
    return Effect.try({
      try: () => {
        const document = { annotations: [...annotations], updated_at: now.toISOString() };
        writeFileAtomic(this.path, `${JSON.stringify(document, null, 2)}\n`);
        return document;
      },
      catch: failure(`annotations ${this.path}`),
    });
  }
}
