import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { effectBarrelModules, lazyPackageModules, recordLoadedModules } from "../../../../tests/support/loaded-modules.testkit.js";
import { spawnHost } from "./host-process.testkit.js";

/**
 * Issue 11, start-up: capabilities load their heavy packages when first used. A host that only
 * started and answered /health has loaded none of DuckDB, onnxruntime, the AWS SDK, playwright,
 * node-sql-parser, jose, ws or tinyglobby, nor effect's barrel (the recorder lists every module
 * the process loaded, written when it exits).
 */
describe("host start-up", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("answers /health without loading DuckDB, onnxruntime, the AWS SDK, playwright or the other lazy packages", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "parallax-startup-"));
    dirs.push(dataDir);
    const recording = await recordLoadedModules();
    const host = await spawnHost({ DATA_DIR: dataDir, STORAGE: "file", ...recording.env }, 60_000, recording.nodeArgs);
    expect(await host.stop()).toBe(0);
    const loaded = await recording.loaded();
    // The recording saw the host itself and its web framework: an empty list would prove nothing.
    expect(loaded.some((url) => url.endsWith("/apps/http/src/main.ts"))).toBe(true);
    expect(loaded.some((url) => url.includes("/node_modules/koa/"))).toBe(true);
    expect(lazyPackageModules(loaded)).toEqual([]);
    // A runtime `import { Effect } from "effect"` on the way to /health brings this back: import "effect/Effect".
    expect(effectBarrelModules(loaded)).toEqual([]);
  }, 90_000);
});
