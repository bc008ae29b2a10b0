import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import * as Effect from "effect/Effect";
import { z } from "zod";
import { StorageFailure } from "@parallax/domain";
import type { AnnotationStore, AnnotationsDocument, Workspace } from "@parallax/application/jobs";
import { writeFileAtomic } from "../shared/atomic-file.js";
import { unlessMissing } from "../shared/errno.js";

/** What the file may hold: written by us or by hand; anything but an array of annotations counts as none. */
const storedAnnotations = z.object({ annotations: z.array(z.unknown()).optional().catch(undefined), updated_at: z.string().nullable().optional().catch(null) }).loose();

const failure = (what: string) => (cause: unknown) => new StorageFailure({ message: `${what}: ${(cause as Error).message}`, cause });

/** The pipelines' files on local disk, relative to the pipelines' base directory. */
export class FileWorkspace implements Workspace {
  constructor(readonly baseDir: string) {}

  resolve(path: string): string {
    return isAbsolute(path) ? path : resolve(this.baseDir, path);
  }

  countMatches(pattern: string): Effect.Effect<number, StorageFailure> {
    return Effect.tryPromise({
      // Imported on a first count (a probe's `glob`), not at start (issue 11).
      try: async () => (await (await import("tinyglobby")).glob(pattern, { cwd: this.baseDir, onlyFiles: true, absolute: false, expandDirectories: false })).length,
      catch: failure(`glob ${pattern}`),
    });
  }

  exists(path: string): Effect.Effect<boolean, StorageFailure> {
    return Effect.tryPromise({ try: () => unlessMissing(stat(this.resolve(path)).then(() => true), false), catch: failure(`exists ${path}`) });
  }

  readJson(path: string): Effect.Effect<unknown, StorageFailure> {
    // A probe over a missing or half-written file reads as nothing, never as a failure.
    return Effect.promise(() => readFile(this.resolve(path), "utf8").then((text): unknown => JSON.parse(text), () => undefined));
  }
}

/** Annotations as one JSON file `{annotations, updated_at}` that the apply pipeline reads. */
export class FileAnnotationStore implements AnnotationStore {
  constructor(readonly path: string) {}

  load(): Effect.Effect<AnnotationsDocument, StorageFailure> {
    return Effect.tryPromise({
      try: async () => {
        const text = await unlessMissing(readFile(this.path, "utf8"), undefined);
        if (text === undefined) return { annotations: [], updated_at: null };
        const parsed = storedAnnotations.parse(JSON.parse(text));
        return { annotations: parsed.annotations ?? [], updated_at: parsed.updated_at ?? null };
      },
      catch: failure(`annotations ${this.path}`),
    });
  }

  save(annotations: readonly unknown[], now: Date): Effect.Effect<AnnotationsDocument, StorageFailure> {
    return Effect.tryPromise({
      try: async () => {
        const document = { annotations: [...annotations], updated_at: now.toISOString() };
        await mkdir(dirname(this.path), { recursive: true });
        await writeFileAtomic(this.path, Buffer.from(`${JSON.stringify(document, null, 2)}\n`));
        return document;
      },
      catch: failure(`annotations ${this.path}`),
    });
  }
}
