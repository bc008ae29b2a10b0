import { access, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import * as Effect from "effect/Effect";
import * as Semaphore from "effect/Semaphore";
import { z } from "zod";
import { NotFound, StorageFailure } from "@parallax/domain";
import type { Environment, VideoCatalog } from "@parallax/application/tracking";
import { DEMO_ENVIRONMENT_ID, renderDemoEnvironment } from "./demo-environment.js";
import { environmentsFileSchema, subVideoFileName, type EnvironmentsFile } from "./environments.schema.js";
import { parseJson } from "./tracking-payload.schema.js";

/**
 * Environments from the environments file (`ENVIRONMENTS_FILE`, read at each look-up so an edit
 * needs no restart) plus the built-in `demo`, rendered under `<DATA_DIR>/tracking/demo` on its
 * first use and read from there through the same file format afterwards. A file that defines
 * `demo` itself wins over the built-in one.
 */
export class FileVideoCatalog implements VideoCatalog {
  // One rendering at a time: two tasks started together on a fresh machine must not both render.
  private readonly rendering = Semaphore.makeUnsafe(1);

  constructor(private readonly options: { readonly file?: string; readonly dataDir: string }) {}

  get ids(): Effect.Effect<readonly string[], StorageFailure> {
    return Effect.map(this.readConfigured(), (file) => {
      const ids = file ? file.environments.environments.map((e) => e.id) : [];
      return ids.includes(DEMO_ENVIRONMENT_ID) ? ids : [DEMO_ENVIRONMENT_ID, ...ids];
    });
  }

  get preparedIds(): Effect.Effect<readonly string[], StorageFailure> {
    return Effect.gen({ self: this }, function* () {
      const ids = yield* this.ids;
      const configured = yield* this.readConfigured();
      const builtIn = !configured?.environments.environments.some((e) => e.id === DEMO_ENVIRONMENT_ID);
      const rendered = yield* Effect.promise(() => access(join(this.demoDir, "environments.json")).then(() => true, () => false));
      return builtIn && !rendered ? ids.filter((id) => id !== DEMO_ENVIRONMENT_ID) : ids;
    });
  }

  environment(id: string): Effect.Effect<Environment, NotFound | StorageFailure> {
    const self = this;
    return Effect.gen(function* () {
      const configured = yield* self.readConfigured();
      const found = configured?.environments.environments.find((e) => e.id === id);
      if (found && configured) return toEnvironment(found, configured.dir);
      if (id !== DEMO_ENVIRONMENT_ID) return yield* Effect.fail(new NotFound({ message: `Environment '${id}' not found.` }));
      const demo = yield* self.demo();
      return toEnvironment(demo.environments.environments[0]!, demo.dir);
    });
  }

  /** Where the demo is rendered (tests read its ground truth there). */
  get demoDir(): string {
    return resolve(this.options.dataDir, "tracking", DEMO_ENVIRONMENT_ID);
  }

  private demo(): Effect.Effect<{ environments: EnvironmentsFile; dir: string }, StorageFailure> {
    const dir = this.demoDir;
    const file = join(dir, "environments.json");
    const ensure = Effect.gen(function* () {
      const present = yield* Effect.promise(() => access(file).then(() => true, () => false));
      if (!present) yield* renderDemoEnvironment(dir).pipe(Effect.mapError((error) => new StorageFailure({ message: `cannot render the demo environment: ${error.message}`, cause: error })));
      return yield* readEnvironments(file);
    });
    return this.rendering.withPermits(1)(ensure);
  }

  private readConfigured(): Effect.Effect<{ environments: EnvironmentsFile; dir: string } | undefined, StorageFailure> {
    const file = this.options.file;
    return file ? readEnvironments(resolve(file)) : Effect.succeed(undefined);
  }
}

function readEnvironments(file: string): Effect.Effect<{ environments: EnvironmentsFile; dir: string }, StorageFailure> {
  return Effect.tryPromise({
    try: () => readFile(file, "utf8"),
    catch: (error) => new StorageFailure({ message: `cannot read environments file ${file}: ${String(error)}`, cause: error }),
  }).pipe(
    Effect.flatMap((text) => {
      const json = parseJson(environmentsFileSchema, text);
      return json.success
        ? Effect.succeed({ environments: json.data, dir: dirname(file) })
        : Effect.fail(new StorageFailure({ message: `invalid environments file ${file}:\n${z.prettifyError(json.error)}` }));
    }),
  );
}

function toEnvironment(entry: EnvironmentsFile["environments"][number], dir: string): Environment {
  const location = (source: string, name: string) => (source.startsWith("s3://") ? `${source.replace(/\/$/, "")}/${name}` : join(resolve(dir, source), name));
  return {
    id: entry.id,
    cameras: entry.cameras.map((camera) => ({
      id: camera.id,
      videos: Array.from({ length: camera.count }, (_, k) => location(camera.source, subVideoFileName(camera.pattern, k + 1))),
      ...(camera.homography ? { homography: camera.homography.startsWith("s3://") ? camera.homography : resolve(dir, camera.homography) } : {}),
    })),
    ...(entry.overlaps ? { overlaps: entry.overlaps } : {}),
    mapUnits: entry.map.units,
  };
}
