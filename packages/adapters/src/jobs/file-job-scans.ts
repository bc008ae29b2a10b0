import { readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { leaseExpired, type Job } from "@parallax/domain/jobs";
import { jobMatchesQuery, newestFirst, type JobQuery, type QueueDepth } from "@parallax/application/jobs";
import type { JobVersionFiles } from "./job-version-files.js";
import { unlessMissing } from "../shared/errno.js";

/** The index directories of a FileJobStore that its scans read: marker names and the creation index. */
export interface JobIndexDirectories {
  readonly ready: string;
  readonly running: string;
  readonly created: string;
}

export async function listJobs(dirs: JobIndexDirectories, versions: JobVersionFiles, query: JobQuery): Promise<Job[]> {
  const matches = (job: Job) => jobMatchesQuery(job, query);
  const jobs: Job[] = [];
  if (query.status === "running" || query.status === "pending") {
    const ids = query.status === "running" ? (await readdir(dirs.running)).map((name) => name.split("~")[0]!) : (await readdir(dirs.ready)).map((name) => name.split("~")[1]!);
    for (const id of new Set(ids)) {
      const job = await versions.readNewest(id);
      if (job && matches(job)) jobs.push(job);
    }
    jobs.sort(newestFirst);
    return query.limit === undefined ? jobs : jobs.slice(0, query.limit);
  }
  // Newest first from the creation index, stopping at `limit` matches: recent jobs cost
  // O(limit) reads however many jobs the store holds.
  const names = (await readdir(dirs.created)).sort().reverse();
  for (const name of names) {
    const job = await versions.readNewest(name.slice(name.indexOf("~") + 1));
    if (!job || !matches(job)) continue;
    jobs.push(job);
    if (query.limit !== undefined && jobs.length >= query.limit) break;
  }
  return jobs.sort(newestFirst);
}

/**
 * From the names in `ready/` (each carries its job's runAt and version): the due ones, oldest
 * first, each confirmed still the job's newest version (a stale marker is not a pending job),
 * at most `limit` of them.
 */
export async function queueDepth(ready: string, versions: JobVersionFiles, now: number, limit: number): Promise<QueueDepth> {
  const newest = new Map<string, { version: number; runAt: number }>();
  for (const name of await readdir(ready)) {
    const [order, id, versionText] = name.split("~");
    const runAt = Number((order ?? "").split("_")[1]);
    const version = Number(versionText);
    if (!id || !Number.isInteger(version) || !(runAt <= now)) continue;
    const seen = newest.get(id);
    if (seen === undefined || seen.version < version) newest.set(id, { version, runAt });
  }
  const candidates = [...newest].sort(([, a], [, b]) => a.runAt - b.runAt);
  let due = 0;
  let oldestDueAt: number | null = null;
  let looked = 0;
  // Confirmed a batch at a time: each is a directory listing, independent of the others.
  while (looked < candidates.length && due < limit) {
    const slice = candidates.slice(looked, looked + Math.min(64, limit - due));
    const current = await Promise.all(slice.map(async ([id, { version }]) => (await versions.latest(id)) === version));
    slice.forEach(([, { runAt }], index) => {
      if (!current[index]) return;
      due++;
      oldestDueAt ??= runAt;
    });
    looked += slice.length;
  }
  return { due, oldestDueAt, truncated: looked < candidates.length };
}

/** Running jobs whose lease has expired; running markers whose job moved on are removed on the way. */
export async function expiredLeases(running: string, versions: JobVersionFiles, now: number): Promise<Job[]> {
  const expired: Job[] = [];
  // Each marker's job is looked at independently: all at once rather than one round trip after another.
  await Promise.all(
    (await readdir(running)).map(async (name) => {
      const [id, versionText] = name.split("~");
      const version = Number(versionText);
      const job = id ? await versions.readNewest(id) : undefined;
      if (!job || job.version > version || (job.version === version && job.status !== "running")) {
        await unlinkQuietly(join(running, name));
        return;
      }
      if (job.version === version && leaseExpired(job, now)) expired.push(job);
    }),
  );
  return expired;
}

/** Removes a file someone else may have removed first; "" names no file (a status without a marker). */
export async function unlinkQuietly(path: string): Promise<void> {
  if (path === "") return;
  await unlessMissing(unlink(path), undefined);
}
