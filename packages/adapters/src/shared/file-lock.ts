import { open, readFile, rm, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

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
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
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

  private async isStale(lockPath: string): Promise<boolean> {
    try {
      const [content, info] = await Promise.all([readFile(lockPath, "utf8"), stat(lockPath)]);
      const pid = Number(content.split(" ")[0]);
      if (Date.now() - info.mtimeMs > (this.options.staleMs ?? 60_000)) return true;
      if (!Number.isInteger(pid) || pid <= 0) return Date.now() - info.mtimeMs > 1_000; // being written
      return !processAlive(pid);
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "ENOENT" ? false : false;
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
