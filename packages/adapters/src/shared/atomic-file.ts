import { randomBytes } from "node:crypto";
import { open, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { processAlive } from "./process-group.js";

/** `.<target>.<writer pid>.<8 hex>.tmp`: hidden, and naming its writer so leftovers can be told apart. */
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/**
 * Replaces `path` so that a reader (or a crash at any instant) sees the old bytes or the new
 * bytes, never a mix: write a temp file in the same directory, fsync it, rename it over the
 * target, fsync the directory so the rename itself is durable.
 * Returns the new file's identity (inode, mtime, size), a cheap version token.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<string> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await open(temp, "w", 0o644);
  let version: string;
  try {
    await handle.writeFile(bytes);
    await handle.sync();
    version = versionOf(await handle.stat({ bigint: true }));
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
  return version;
}

/**
 * Removes the temp files that writers killed mid-write left in `directory`: those whose writer
 * is gone, or older than `staleMs` (its pid may belong to another process by now). A live
 * writer's temp file has a living pid and is young, so it is never touched.
 */
export async function removeOrphanedTemps(directory: string, staleMs: number): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await readdir(directory)) {
    const writer = TEMP_NAME.exec(entry);
    if (!writer) continue;
    const path = join(directory, entry);
    const info = await stat(path).catch(() => undefined);
    if (!info) continue;
    if (processAlive(Number(writer[1])) && Date.now() - info.mtimeMs <= staleMs) continue;
    await rm(path, { force: true });
    removed.push(entry);
  }
  return removed;
}

export async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/** Reads a file and its version from one open descriptor, so the two always belong together. */
export async function readFileVersioned(path: string): Promise<{ bytes: Buffer; version: string }> {
  const handle = await open(path, "r");
  try {
    const info = await handle.stat({ bigint: true });
    const bytes = await handle.readFile();
    return { bytes, version: versionOf(info) };
  } finally {
    await handle.close();
  }
}

/** Every atomic replace creates a new inode, so inode + mtime + size changes on every write. */
export function versionOf(info: { ino: bigint; mtimeNs: bigint; size: bigint }): string {
  return `${info.ino.toString(36)}-${info.mtimeNs.toString(36)}-${info.size.toString(36)}`;
}
