/**
 * Test support: the read-only material in ../shared (fixtures, MOT data, models). Kept outside
 * packages/domain so the domain's own files, tests included, do no I/O.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const sharedRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../shared");

export function sharedPath(relative: string): string {
  return join(sharedRoot, relative);
}

export function hasShared(relative: string): boolean {
  return existsSync(sharedPath(relative));
}

export function readShared(relative: string): string {
  return readFileSync(sharedPath(relative), "utf8");
}
