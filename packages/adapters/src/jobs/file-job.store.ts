import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as Effect from "effect/Effect";
import * as Semaphore from "effect/Semaphore";
import { Conflict, NotFound, StorageFailure } from "@parallax/domain";
import { VersionConflict, compareQueueOrder, type ExclusiveClaim, type Job } from "@parallax/domain/jobs";
import type { JobQuery, JobStore, QueueDepth } from "@parallax/application/jobs";
import { FileExclusiveClaims } from "./file-exclusive-claims.js";
import { QueueIndex, type QueueEntry } from "./queue-index.js";
import { createFile } from "./small-files.js";
import { JobVersionFiles, type StagedVersion } from "./job-version-files.js";
import { expiredLeases, listJobs, queueDepth, unlinkQuietly } from "./file-job-scans.js";
import { errnoCode } from "../shared/errno.js";

const SAFE_ID = /^[A-Za-z0-9_.-]+$/;

export interface FileJobStoreOptions {
  /** How old the cached view of `ready/` may be before it is read again. */
  readonly refreshMs?: number;
  /** How often `running/` is scanned for expired leases. */
  readonly leaseScanMs?: number;
}

/**
 * Jobs as files under one directory, shared safely by any number of processes on a machine.
 *
 * - `items/<id>/<version>.json`: each version written once, by `link(2)` of a complete temp
 *   file. `link` fails with EEXIST when the version exists, so "write version v+1" is an
 *   atomic compare-and-set: exactly one of two racing writers wins. Readers take the highest.
 * - `created/<created at>~<id>`: the creation index, so the newest jobs are found without
 *   reading all of them.
 * - `exclusive/<pipeline>/<version>.json`: exclusivity claims, versioned the same way.
 * - `ready/<order>~<id>~<version>~<nonce>` and `running/<id>~<version>~<nonce>`: empty marker files, an index
 *   of pending and running jobs so claiming does not read every job. Markers are created
 *   *before* the version they describe and removed after it is superseded; a marker whose
 *   job moved on is stale and deleted by whoever notices. Truth is always the version files.
 */
export class FileJobStore implements JobStore {
  private readonly items: string;
  private readonly ready: string;
  private readonly running: string;
  private readonly created: string;
  private readonly tmp: string;
  private readonly claims: FileExclusiveClaims;
  private readonly versions: JobVersionFiles;
  private readonly queue = new QueueIndex();
  private readonly readyMarkers = new Map<string, string>();
  /**
   * Queue entries (`id~version`) checked against the item files since the last refresh: offered
   * again without another look until `ready/` is read again. A candidate that went stale
   * meanwhile costs its claimer no more than the look would have: `replace` checks the version.
   */
  private readonly checked = new Set<string>();
  /**
   * Ready markers seen superseded since the last refresh. Their writer's successor normally
   * removes them; one still listed at the next refresh was left behind (a writer died, or
   * did not know the name) and is removed then, instead of every process that notices it
   * racing to unlink a file that is, nearly always, already gone.
   */
  private staleMarkers = new Set<string>();
  private readonly runningMarkers = new Map<string, { version: number; name: string }>();
  private lastRefresh = 0;
  /**
   * Whether this process lost a write race since the last refresh, or in the period before:
   * other claimers are about, so candidates are listed again before they are offered.
   */
  private contended = false;
  private lostSinceRefresh = false;
  private lastLeaseScan = 0;
  private readonly refreshMs: number;
  private readonly leaseScanMs: number;
  /** Claims by this process one at a time: a refresh of the queue never interleaves with a peek at it. */
  private readonly claiming = Semaphore.makeUnsafe(1);

  constructor(
    readonly root: string,
    options: FileJobStoreOptions = {},
  ) {
    this.items = join(root, "items");
    this.ready = join(root, "ready");
    this.running = join(root, "running");
    this.tmp = join(root, "tmp");
    this.created = join(root, "created");
    for (const dir of [this.items, this.ready, this.running, this.created, this.tmp]) mkdirSync(dir, { recursive: true });
    this.claims = new FileExclusiveClaims(join(root, "exclusive"), this.tmp);
    this.versions = new JobVersionFiles(this.items, this.tmp);
    this.refreshMs = options.refreshMs ?? 500;
    this.leaseScanMs = options.leaseScanMs ?? 1000;
  }

  insert(job: Job): Effect.Effect<Job, Conflict | StorageFailure> {
    return this.io(async () => {
      this.checkId(job.id);
      try {
        await mkdir(join(this.items, job.id));
      } catch (error) {
        if (errnoCode(error) === "EEXIST") return new Conflict({ message: `Job ${job.id} already exists` });
        throw error;
      }
      // The creation index and the queue marker only need to exist before the version is linked.
      const [, markers] = await Promise.all([writeFile(join(this.created, `${String(job.createdAt).padStart(15, "0")}~${job.id}`), ""), this.writeMarkers(job)]);
      if (!(await this.versions.write(job, markers.path))) {
        await unlinkQuietly(markers.path);
        return new Conflict({ message: `Job ${job.id} already exists` });
      }
      this.remember(job, markers);
      return job;
    }).pipe(Effect.flatMap((result) => (result instanceof Conflict ? Effect.fail(result) : Effect.succeed(result))));
  }

  get(id: string): Effect.Effect<Job, NotFound | StorageFailure> {
    return this.io(async () => (SAFE_ID.test(id) ? this.versions.readNewest(id) : undefined)).pipe(
      Effect.flatMap((job) => (job ? Effect.succeed(job) : Effect.fail(new NotFound({ message: `Job not found: ${id}` })))),
    );
  }

  list(query: JobQuery = {}): Effect.Effect<Job[], StorageFailure> {
    return this.io(() => listJobs({ ready: this.ready, running: this.running, created: this.created }, this.versions, query));
  }

  queueDepth(now: number, limit: number): Effect.Effect<QueueDepth, StorageFailure> {
    return this.io(() => queueDepth(this.ready, this.versions, now, limit));
  }

  claimCandidates(now: number, limit: number): Effect.Effect<Job[], StorageFailure> {
    const candidates = this.io(async () => {
      const candidates: Job[] = [];
      if (now - this.lastLeaseScan >= this.leaseScanMs) {
        this.lastLeaseScan = now;
        candidates.push(...(await expiredLeases(this.running, this.versions, now)));
      }
      const clock = Date.now();
      if (this.queue.size === 0 || clock - this.lastRefresh >= this.refreshMs) await this.refresh(clock);
      const jobs = new Map<string, Job>();
      const isCurrent = async (entry: QueueEntry) => {
        const key = `${entry.id}~${entry.version}`;
        // Entries this process already moved on (its own claims) are dropped without a read.
        if (!this.readyMarkers.has(key)) return false;
        const seen = this.checked.has(key) ? this.versions.cached(entry.id, entry.version) : undefined;
        if (seen !== undefined) {
          if (!this.contended && this.versions.seenNewest(entry.id, entry.version)) {
            jobs.set(entry.id, seen);
            return true;
          }
          // Checked a while ago, or other claimers are about: it may have been claimed since. A
          // listing now (with the other entries' at once) costs less than a claim that writes
          // its marker and loses.
          const latest = await this.versions.latest(entry.id);
          if (latest !== entry.version) {
            if (latest !== undefined && latest > entry.version) this.forgetStaleMarker(entry.id, entry.version);
            return false;
          }
          this.versions.sawNewest(entry.id, entry.version);
          jobs.set(entry.id, seen);
          return true;
        }
        // The job's listing says whether the version is still the newest, which also spares the
        // claim that follows a listing of its own (`JobVersionFiles.seenNewest`). Alone, the
        // version is read meanwhile (each is a thread-pool round trip); with other claimers
        // about, many entries turn out claimed already, so the read waits for the listing.
        const [latest, read] = this.contended
          ? await this.versions.latest(entry.id).then(async (latest) => [latest, latest === entry.version ? await this.versions.read(entry.id, entry.version) : undefined] as const)
          : await Promise.all([this.versions.latest(entry.id), this.versions.read(entry.id, entry.version)]);
        if (latest !== undefined && latest > entry.version) {
          this.forgetStaleMarker(entry.id, entry.version);
          return false;
        }
        let job = read;
        if (job === undefined) {
          // No such version yet means an insert in flight (its marker is written first): keep it.
          if (latest !== entry.version) return false;
          // Linked between the read and the listing: the insert just finished.
          job = await this.versions.read(entry.id, entry.version);
          if (job === undefined) return false;
        }
        if (latest === entry.version) this.versions.sawNewest(entry.id, entry.version);
        if (job.status !== "pending") {
          this.forgetStaleMarker(entry.id, entry.version);
          return false;
        }
        this.checked.add(key);
        jobs.set(entry.id, job);
        return true;
      };
      for (const entry of await this.queue.peekChecked(now, limit, isCurrent)) candidates.push(jobs.get(entry.id)!);
      return candidates.sort(compareQueueOrder);
    });
    return this.claiming.withPermits(1)(candidates);
  }

  replace(next: Job, expectedVersion: number): Effect.Effect<Job, VersionConflict | NotFound | StorageFailure> {
    const conflict = () => new VersionConflict({ message: `Job ${next.id} changed since version ${expectedVersion}`, jobId: next.id });
    return this.io(async (): Promise<{ written: Job; superseded: string[] } | VersionConflict | NotFound> => {
      this.checkId(next.id);
      if (next.version !== expectedVersion + 1) return conflict();
      // The version is checked (a listing, unless seen as the newest just now) while the file to
      // link is written: both must happen before the link, neither needs the other, and each
      // is a thread-pool round trip a claim would otherwise wait for in turn. A check that
      // fails costs the file written for nothing, removed at once.
      const [latest, { markers, staged }] = await Promise.all([
        this.versions.seenNewest(next.id, expectedVersion) ? expectedVersion : this.versions.latest(next.id),
        this.stage(next),
      ]);
      if (latest !== expectedVersion) {
        this.lostRace();
        await unlinkQuietly(staged.source);
        if (latest === undefined) return new NotFound({ message: `Job not found: ${next.id}` });
        // A candidate that went stale since it was offered: its queue entry goes too.
        if (latest > expectedVersion) this.forgetStaleMarker(next.id, expectedVersion);
        return conflict();
      }
      if (!(await this.versions.link(staged))) {
        this.lostRace();
        this.versions.forgetNewest(next.id);
        this.forgetStaleMarker(next.id, expectedVersion);
        await unlinkQuietly(staged.source);
        return conflict();
      }
      const superseded = [this.forgetRunningMarker(next.id, expectedVersion), this.forgetReadyMarker(next.id, expectedVersion)].filter((path) => path !== undefined);
      await Promise.all([this.versions.discardTemporary(staged), next.version % 8 === 0 ? this.versions.collectOld(next.id, next.version) : undefined]);
      this.remember(next, markers);
      return { written: next, superseded };
    }).pipe(
      Effect.flatMap((result) =>
        result instanceof VersionConflict || result instanceof NotFound ? Effect.fail(result) : Effect.as(this.removeInBackground(result.superseded), result.written),
      ),
    );
  }

  getExclusive(pipeline: string): Effect.Effect<ExclusiveClaim, StorageFailure> {
    return this.io(() => this.claims.read(pipeline));
  }

  putExclusive(next: ExclusiveClaim, expectedVersion: number): Effect.Effect<ExclusiveClaim, VersionConflict | StorageFailure> {
    return this.io(() => this.claims.write(next, expectedVersion)).pipe(
      Effect.flatMap((written) =>
        written ? Effect.succeed(next) : Effect.fail(new VersionConflict({ message: `Exclusive claim of ${next.pipeline} changed`, jobId: next.holder ?? "" })),
      ),
    );
  }

  private io<A>(body: () => Promise<A>): Effect.Effect<A, StorageFailure> {
    return Effect.tryPromise({ try: body, catch: (cause) => (cause instanceof StorageFailure ? cause : new StorageFailure({ message: `Job store: ${(cause as Error).message}`, cause })) });
  }

  private checkId(id: string): void {
    if (!SAFE_ID.test(id)) throw new Error(`unsafe job id '${id}'`);
  }

  private readyMarkerName(job: Pick<Job, "id" | "version" | "priority" | "runAt" | "createdAt">): string {
    const order = String(2_000_000_000 - Math.max(-1e9, Math.min(1e9, job.priority))).padStart(10, "0");
    return `${order}_${String(job.runAt).padStart(15, "0")}_${String(job.createdAt).padStart(15, "0")}~${job.id}~${job.version}`;
  }

  /**
   * Creates the index marker the next version needs, named uniquely for this writer so that
   * the loser of a race for the same version removes only its own marker, never the winner's.
   * It holds the complete document: `linkVersion` links it into place as the version itself.
   */
  private async writeMarkers(job: Job): Promise<{ path: string; name: string }> {
    const nonce = randomBytes(4).toString("hex");
    let dir: string;
    let name: string;
    if (job.status === "pending") [dir, name] = [this.ready, `${this.readyMarkerName(job)}~${nonce}`];
    else if (job.status === "running") [dir, name] = [this.running, `${job.id}~${job.version}~${nonce}`];
    else return { path: "", name: "" };
    const path = join(dir, name);
    await createFile(path, JSON.stringify(job));
    return { path, name };
  }

  /** The file the next version is linked from: its queue marker when its status has one, else a temp file. */
  private async stage(job: Job): Promise<{ markers: { path: string; name: string }; staged: StagedVersion }> {
    const markers = await this.writeMarkers(job);
    return { markers, staged: await this.versions.stage(job, markers.path) };
  }

  /** Indexes a version this process just wrote, so it can drop the marker when superseding it. */
  private remember(job: Job, markers: { name: string }): void {
    if (job.status === "running") this.runningMarkers.set(job.id, { version: job.version, name: markers.name });
    if (job.status !== "pending") return;
    this.readyMarkers.set(`${job.id}~${job.version}`, markers.name);
    this.queue.add(job);
  }

  /** The running marker of `version` when this process wrote it, out of this process's index; others' are cleaned when seen stale. */
  private forgetRunningMarker(id: string, version: number): string | undefined {
    const known = this.runningMarkers.get(id);
    if (known === undefined || known.version !== version) return undefined;
    this.runningMarkers.delete(id);
    return join(this.running, known.name);
  }

  /** The ready marker of a version this process just superseded, out of this process's queue. */
  private forgetReadyMarker(id: string, version: number): string | undefined {
    const key = `${id}~${version}`;
    const name = this.readyMarkers.get(key);
    if (name === undefined) return undefined;
    this.readyMarkers.delete(key);
    this.checked.delete(key);
    return join(this.ready, name);
  }

  /**
   * Removes the markers of a version just superseded without making the write wait for it: a
   * marker whose version moved on is stale, and stale markers are already expected (a writer
   * may die right after its link) and removed by whoever notices them. The write answers one
   * thread-pool round trip sooner, which a claim would otherwise wait for.
   */
  private removeInBackground(paths: readonly string[]): Effect.Effect<void> {
    if (paths.length === 0) return Effect.void;
    const removal = this.io(() => Promise.all(paths.map((path) => unlinkQuietly(path)))).pipe(
      Effect.catch((error) => Effect.logWarning("job store: superseded queue markers not removed (removed when next seen stale)", error)),
    );
    return Effect.asVoid(Effect.forkDetach(removal));
  }

  private lostRace(): void {
    this.contended = true;
    this.lostSinceRefresh = true;
  }

  /** A ready marker whose version another writer superseded: out of the queue now, off the disk at the next refresh if still there. */
  private forgetStaleMarker(id: string, version: number): void {
    const key = `${id}~${version}`;
    const name = this.readyMarkers.get(key);
    if (name === undefined) return;
    this.readyMarkers.delete(key);
    this.checked.delete(key);
    this.staleMarkers.add(name);
  }

  /** Re-reads `ready/` so jobs queued by other processes become visible here. */
  private async refresh(clock: number): Promise<void> {
    const names = await readdir(this.ready);
    // Replaced in one synchronous step, so no other call sees the index half rebuilt.
    this.lastRefresh = clock;
    this.contended = this.lostSinceRefresh;
    this.lostSinceRefresh = false;
    this.queue.clear();
    this.readyMarkers.clear();
    this.checked.clear();
    const stale = this.staleMarkers;
    this.staleMarkers = new Set();
    const leftBehind: string[] = [];
    for (const name of names) {
      if (stale.has(name)) {
        leftBehind.push(name);
        continue;
      }
      const [order, id, versionText] = name.split("~");
      const [, runAt, createdAt] = (order ?? "").split("_");
      const version = Number(versionText);
      if (!id || !Number.isInteger(version)) continue;
      this.readyMarkers.set(`${id}~${version}`, name);
      this.queue.add({ id, version, priority: 2_000_000_000 - Number(order!.split("_")[0]), runAt: Number(runAt), createdAt: Number(createdAt) });
    }
    // Seen superseded a whole refresh ago and still listed: nobody else is going to remove them.
    for (const name of leftBehind) await unlinkQuietly(join(this.ready, name));
  }

}
