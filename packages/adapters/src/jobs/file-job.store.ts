import { randomBytes } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Effect } from "effect";
import { Conflict, NotFound, StorageFailure } from "@parallax/domain";
import { VersionConflict, compareQueueOrder, leaseExpired, type ExclusiveClaim, type Job } from "@parallax/domain/jobs";
import type { JobQuery, JobStore } from "@parallax/application/jobs";
import { FileExclusiveClaims } from "./file-exclusive-claims.js";
import { QueueIndex, type QueueEntry } from "./queue-index.js";

/** Versions kept behind the newest; a writer racing with more concurrent writes than this is not realistic. */
const KEPT_VERSIONS = 16;
const SAFE_ID = /^[A-Za-z0-9_.-]+$/;
/** Parsed version files kept in memory; versions never change once written, so entries never go stale. */
const CACHED_VERSIONS = 4096;

export interface FileJobStoreOptions {
  /** How old the cached view of `ready/` may be before it is read again. */
  readonly refreshMs?: number;
  /** How often `running/` is scanned for expired leases. */
  readonly leaseScanMs?: number;
}

const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException)?.code;

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
  private readonly queue = new QueueIndex();
  private readonly readyMarkers = new Map<string, string>();
  private readonly runningMarkers = new Map<string, { version: number; name: string }>();
  private readonly versions = new Map<string, Job>();
  private lastRefresh = 0;
  private lastLeaseScan = 0;
  private readonly refreshMs: number;
  private readonly leaseScanMs: number;

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
    this.refreshMs = options.refreshMs ?? 500;
    this.leaseScanMs = options.leaseScanMs ?? 1000;
  }

  insert(job: Job): Effect.Effect<Job, Conflict | StorageFailure> {
    return this.io(() => {
      this.checkId(job.id);
      try {
        mkdirSync(join(this.items, job.id));
      } catch (error) {
        if (errno(error) === "EEXIST") return new Conflict({ message: `Job ${job.id} already exists` });
        throw error;
      }
      writeFileSync(join(this.created, `${String(job.createdAt).padStart(15, "0")}~${job.id}`), "");
      const markers = this.writeMarkers(job);
      if (!this.linkVersion(job, markers.path)) {
        this.unlinkQuietly(markers.path);
        return new Conflict({ message: `Job ${job.id} already exists` });
      }
      this.remember(job, markers);
      return job;
    }).pipe(Effect.flatMap((result) => (result instanceof Conflict ? Effect.fail(result) : Effect.succeed(result))));
  }

  get(id: string): Effect.Effect<Job, NotFound | StorageFailure> {
    return this.io(() => (SAFE_ID.test(id) ? this.readJob(id) : undefined)).pipe(
      Effect.flatMap((job) => (job ? Effect.succeed(job) : Effect.fail(new NotFound({ message: `Job not found: ${id}` })))),
    );
  }

  list(query: JobQuery = {}): Effect.Effect<Job[], StorageFailure> {
    return this.io(() => {
      const byAge = (a: Job, b: Job) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1);
      const matches = (job: Job) => (query.status === undefined || job.status === query.status) && (query.pipeline === undefined || job.pipeline === query.pipeline);
      const jobs: Job[] = [];
      if (query.status === "running" || query.status === "pending") {
        const ids = query.status === "running" ? readdirSync(this.running).map((name) => name.split("~")[0]!) : readdirSync(this.ready).map((name) => name.split("~")[1]!);
        for (const id of new Set(ids)) {
          const job = this.readJob(id);
          if (job && matches(job)) jobs.push(job);
        }
        jobs.sort(byAge);
        return query.limit === undefined ? jobs : jobs.slice(0, query.limit);
      }
      // Newest first from the creation index, stopping at `limit` matches: recent jobs cost
      // O(limit) reads however many jobs the store holds.
      const names = readdirSync(this.created).sort().reverse();
      for (const name of names) {
        const job = this.readJob(name.slice(name.indexOf("~") + 1));
        if (!job || !matches(job)) continue;
        jobs.push(job);
        if (query.limit !== undefined && jobs.length >= query.limit) break;
      }
      return jobs.sort(byAge);
    });
  }

  claimCandidates(now: number, limit: number): Effect.Effect<Job[], StorageFailure> {
    return this.io(() => {
      const candidates: Job[] = [];
      if (now - this.lastLeaseScan >= this.leaseScanMs) {
        this.lastLeaseScan = now;
        candidates.push(...this.expiredLeases(now));
      }
      const clock = Date.now();
      if (this.queue.size === 0 || clock - this.lastRefresh >= this.refreshMs) this.refresh(clock);
      const jobs = new Map<string, Job>();
      const isCurrent = (entry: QueueEntry) => {
        // Entries this process already moved on (its own claims) are dropped without a read.
        if (!this.readyMarkers.has(`${entry.id}~${entry.version}`)) return false;
        // Superseded: a look for the next version is one stat, not a directory listing.
        if (existsSync(join(this.items, entry.id, `${entry.version + 1}.json`))) {
          this.dropReadyMarker(entry.id, entry.version);
          return false;
        }
        const job = this.readVersion(entry.id, entry.version);
        if (job === undefined) {
          // No such version yet means an insert in flight (its marker is written first): keep it.
          const latest = this.latestVersion(entry.id);
          if (latest !== undefined && latest >= entry.version) this.dropReadyMarker(entry.id, entry.version);
          return false;
        }
        if (job.status !== "pending") {
          this.dropReadyMarker(entry.id, entry.version);
          return false;
        }
        jobs.set(entry.id, job);
        return true;
      };
      for (const entry of this.queue.peek(now, limit, isCurrent)) candidates.push(jobs.get(entry.id)!);
      return candidates.sort(compareQueueOrder);
    });
  }

  replace(next: Job, expectedVersion: number): Effect.Effect<Job, VersionConflict | NotFound | StorageFailure> {
    const conflict = () => new VersionConflict({ message: `Job ${next.id} changed since version ${expectedVersion}`, jobId: next.id });
    return this.io((): Job | VersionConflict | NotFound => {
      this.checkId(next.id);
      if (next.version !== expectedVersion + 1) return conflict();
      const latest = this.latestVersion(next.id);
      if (latest === undefined) return new NotFound({ message: `Job not found: ${next.id}` });
      if (latest !== expectedVersion) {
        // A candidate that went stale since it was offered: its queue entry goes too.
        if (latest > expectedVersion) this.dropReadyMarker(next.id, expectedVersion);
        return conflict();
      }
      const markers = this.writeMarkers(next);
      if (!this.linkVersion(next, markers.path)) {
        this.unlinkQuietly(markers.path);
        return conflict();
      }
      this.dropRunningMarker(next.id, expectedVersion);
      this.dropReadyMarker(next.id, expectedVersion);
      if (next.version % 8 === 0) this.collectOldVersions(next.id, next.version);
      this.remember(next, markers);
      return next;
    }).pipe(Effect.flatMap((result) => (result instanceof VersionConflict || result instanceof NotFound ? Effect.fail(result) : Effect.succeed(result))));
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

  private io<A>(body: () => A): Effect.Effect<A, StorageFailure> {
    return Effect.try({ try: body, catch: (cause) => new StorageFailure({ message: `Job store: ${(cause as Error).message}`, cause }) });
  }

  private checkId(id: string): void {
    if (!SAFE_ID.test(id)) throw new Error(`unsafe job id '${id}'`);
  }

  private latestVersion(id: string): number | undefined {
    let names: string[];
    try {
      names = readdirSync(join(this.items, id));
    } catch (error) {
      if (errno(error) === "ENOENT") return undefined;
      throw error;
    }
    let latest: number | undefined;
    for (const name of names) {
      if (!name.endsWith(".json")) continue;
      const version = Number(name.slice(0, -5));
      if (Number.isInteger(version) && (latest === undefined || version > latest)) latest = version;
    }
    return latest;
  }

  private readJob(id: string): Job | undefined {
    for (let attempt = 0; attempt < 5; attempt++) {
      const version = this.latestVersion(id);
      if (version === undefined) return undefined;
      const job = this.readVersion(id, version);
      // Undefined: collected between readdir and read, so a newer version exists; look again.
      if (job !== undefined) return job;
    }
    throw new Error(`job ${id} keeps changing under the reader`);
  }

  /** One version of a job (immutable once written, so served from memory when seen before). */
  private readVersion(id: string, version: number): Job | undefined {
    const cached = this.versions.get(`${id}~${version}`);
    if (cached !== undefined) return cached;
    let job: Job;
    try {
      job = JSON.parse(readFileSync(join(this.items, id, `${version}.json`), "utf8")) as Job;
    } catch (error) {
      if (errno(error) === "ENOENT") return undefined;
      throw error;
    }
    this.cacheVersion(job);
    return job;
  }

  private cacheVersion(job: Job): void {
    if (this.versions.size >= CACHED_VERSIONS) this.versions.clear();
    this.versions.set(`${job.id}~${job.version}`, job);
  }

  /**
   * Links a complete file holding the document into place: all or nothing. The file is the
   * version's queue marker when it has one (written complete before the link, so it serves as
   * the temp file and stays as a second name of the version), else a temp file.
   */
  private linkVersion(job: Job, markerPath = ""): boolean {
    const source = markerPath || join(this.tmp, `${job.id}.${job.version}.${randomBytes(6).toString("hex")}`);
    if (!markerPath) writeFileSync(source, JSON.stringify(job));
    try {
      linkSync(source, join(this.items, job.id, `${job.version}.json`));
      this.cacheVersion(job);
      return true;
    } catch (error) {
      if (errno(error) === "EEXIST") return false;
      throw error;
    } finally {
      if (!markerPath) this.unlinkQuietly(source);
    }
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
  private writeMarkers(job: Job): { path: string; name: string } {
    const nonce = randomBytes(4).toString("hex");
    let dir: string;
    let name: string;
    if (job.status === "pending") [dir, name] = [this.ready, `${this.readyMarkerName(job)}~${nonce}`];
    else if (job.status === "running") [dir, name] = [this.running, `${job.id}~${job.version}~${nonce}`];
    else return { path: "", name: "" };
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(job), { flag: "wx" });
    return { path, name };
  }

  /** Indexes a version this process just wrote, so it can drop the marker when superseding it. */
  private remember(job: Job, markers: { name: string }): void {
    if (job.status === "running") this.runningMarkers.set(job.id, { version: job.version, name: markers.name });
    if (job.status !== "pending") return;
    this.readyMarkers.set(`${job.id}~${job.version}`, markers.name);
    this.queue.add(job);
  }

  /** Removes the running marker of `version` when this process wrote it; others' are cleaned when seen stale. */
  private dropRunningMarker(id: string, version: number): void {
    const known = this.runningMarkers.get(id);
    if (known === undefined || known.version !== version) return;
    this.runningMarkers.delete(id);
    this.unlinkQuietly(join(this.running, known.name));
  }

  private dropReadyMarker(id: string, version: number): void {
    const key = `${id}~${version}`;
    const name = this.readyMarkers.get(key);
    if (name === undefined) return;
    this.readyMarkers.delete(key);
    this.unlinkQuietly(join(this.ready, name));
  }

  /** Re-reads `ready/` so jobs queued by other processes become visible here. */
  private refresh(clock: number): void {
    this.lastRefresh = clock;
    this.queue.clear();
    this.readyMarkers.clear();
    for (const name of readdirSync(this.ready)) {
      const [order, id, versionText] = name.split("~");
      const [, runAt, createdAt] = (order ?? "").split("_");
      const version = Number(versionText);
      if (!id || !Number.isInteger(version)) continue;
      this.readyMarkers.set(`${id}~${version}`, name);
      this.queue.add({ id, version, priority: 2_000_000_000 - Number(order!.split("_")[0]), runAt: Number(runAt), createdAt: Number(createdAt) });
    }
  }

  private expiredLeases(now: number): Job[] {
    const expired: Job[] = [];
    for (const name of readdirSync(this.running)) {
      const [id, versionText] = name.split("~");
      const version = Number(versionText);
      const job = id ? this.readJob(id) : undefined;
      if (!job || job.version > version || (job.version === version && job.status !== "running")) {
        this.unlinkQuietly(join(this.running, name));
        continue;
      }
      if (job.version === version && leaseExpired(job, now)) expired.push(job);
    }
    return expired;
  }

  private collectOldVersions(id: string, newest: number): void {
    for (const name of readdirSync(join(this.items, id))) {
      const version = Number(name.slice(0, -5));
      if (Number.isInteger(version) && version <= newest - KEPT_VERSIONS) this.unlinkQuietly(join(this.items, id, name));
    }
  }

  private unlinkQuietly(path: string): void {
    if (path === "") return;
    try {
      unlinkSync(path);
    } catch (error) {
      if (errno(error) !== "ENOENT") throw error;
    }
  }
}
