import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Packages a process should load only when a capability first uses them (issue 11: start-up). */
export const LAZY_PACKAGES = ["@duckdb", "onnxruntime-node", "@aws-sdk", "@smithy", "playwright-core", "playwright"] as const;

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
