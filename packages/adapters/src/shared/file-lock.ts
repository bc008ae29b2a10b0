import { open, readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { errnoCode } from "./errno.js";
import { processAlive } from "./process-group.js";

/** How old a lock or temp file must be to count as abandoned even when its pid is alive (pids get reused). */
export const STALE_MS = 60_000;

/**
 * A cross-process lock on one path: `path.lock` created with O_EXCL. A lock whose holder has
 * died (its pid is gone, e.g. after SIGKILL) or that is older than `staleMs` is broken.
 * Within one process, a keyed promise chain serialises holders first so they don't spin.
 */
export class FileLocks {
  private readonly local = new Map<string, Promise<void>>();

  constructor(private readonly options: { staleMs?: number; timeoutMs?: number } = {}) {}

  async withLock<T>(path: string, work: () => Promise<T>): Promise<T> {
    const previous = this.local.get(path) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const chained = previous.then(() => mine);
    this.local.set(path, chained);
    await previous;
    try {
      await this.acquire(`${path}.lock`);
      try {
        return await work();
      } finally {
        await rm(`${path}.lock`, { force: true });
      }
    } finally {
      release();
      if (this.local.get(path) === chained) this.local.delete(path);
    }
  }

  private async acquire(lockPath: string): Promise<void> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 30_000);
    let wait = 1;
    for (;;) {
      try {
        const handle = await open(lockPath, "wx");
        await handle.writeFile(`${process.pid} ${Date.now()}\n`);
        await handle.close();
        return;
      } catch (error) {
        if (errnoCode(error) !== "EEXIST") throw error;
      }
      if (await this.isStale(lockPath)) {
        await rm(lockPath, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${lockPath}`);
      await sleep(wait);
      wait = Math.min(wait * 2, 25);
    }
  }

  /**
   * Removes the lock files in `directory` that killed holders left (the same rule as breaking a
   * lock: holder gone, or older than the staleness window), so they don't pile up.
   */
  async removeStale(directory: string): Promise<string[]> {
    const removed: string[] = [];
    for (const entry of await readdir(directory)) {
      const lockPath = join(directory, entry);
      if (!entry.endsWith(".lock") || !(await this.isStale(lockPath))) continue;
      await rm(lockPath, { force: true });
      removed.push(entry);
    }
    return removed;
  }

  private async isStale(lockPath: string): Promise<boolean> {
    try {
      const [content, info] = await Promise.all([readFile(lockPath, "utf8"), stat(lockPath)]);
      const pid = Number(content.split(" ")[0]);
      if (Date.now() - info.mtimeMs > (this.options.staleMs ?? STALE_MS)) return true;
      if (!Number.isInteger(pid) || pid <= 0) return Date.now() - info.mtimeMs > 1_000; // being written
      return !processAlive(pid);
    } catch {
      // Released meanwhile, or unreadable: either way not a lock to break; `acquire` tries again until its deadline.
      return false;
    }
  }
}
