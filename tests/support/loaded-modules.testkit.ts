import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Packages a process should load only when a capability first uses them (issue 11: start-up):
 * DuckDB (SQL cells), onnxruntime (detection), the AWS SDK (STORAGE=aws), playwright (pages),
 * node-sql-parser (the first SQL cell analysed), jose (AUTH=jwt's first token), ws (the first
 * WebSocket upgrade), tinyglobby (a probe's first glob).
 */
export const LAZY_PACKAGES = ["@duckdb", "onnxruntime-node", "@aws-sdk", "@smithy", "playwright-core", "playwright", "node-sql-parser", "jose", "ws", "tinyglobby"] as const;

/**
 * effect's barrel (`from "effect"`) loads every one of its ~250 modules, some 150 ms of a host's
 * start: runtime code imports each module by its path (`import * as Effect from "effect/Effect"`).
 */
export function effectBarrelModules(urls: readonly string[]): string[] {
  return urls.filter((url) => url.endsWith("/node_modules/effect/dist/index.js"));
}

const recorder = join(dirname(fileURLToPath(import.meta.url)), "record-loaded-modules.mjs");

export interface LoadedModulesRecording {
  /** Node arguments that install the recorder (before the script). */
  nodeArgs: string[];
  /** Environment naming the file the recorder writes when the process exits. */
  env: Record<string, string>;
  /** The module URLs the process loaded; read after it exited. */
  loaded(): Promise<string[]>;
}

export async function recordLoadedModules(): Promise<LoadedModulesRecording> {
  const file = join(await mkdtemp(join(tmpdir(), "parallax-loaded-modules-")), "loaded.txt");
  return {
    nodeArgs: ["--import", recorder],
    env: { LOADED_MODULES_FILE: file },
    loaded: async () => (await readFile(file, "utf8")).split("\n").filter(Boolean),
  };
}

/** The loaded module URLs that belong to one of `LAZY_PACKAGES`. */
export function lazyPackageModules(urls: readonly string[]): string[] {
  return urls.filter((url) => LAZY_PACKAGES.some((name) => url.includes(`/node_modules/${name}/`)));
}
