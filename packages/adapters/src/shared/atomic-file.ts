import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

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
