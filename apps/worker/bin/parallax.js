#!/usr/bin/env node
// Runs the compiled CLI; in a source checkout that was never built, runs the TypeScript through
// tsx with the workspace packages resolved to their sources (the `source` export condition).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const compiled = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  const source = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
  const child = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", source, ...process.argv.slice(2)], { stdio: "inherit" });
  process.exitCode = child.status ?? 1;
}
