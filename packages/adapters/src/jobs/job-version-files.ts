import { randomBytes } from "node:crypto";
import { link, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { storedJobSchema, type Job } from "@parallax/domain/jobs";
import { errnoCode, unlessMissing } from "../shared/errno.js";
import { createFile, readSmallFile } from "./small-files.js";
import { readStored } from "./stored-documents.js";

/** A complete file holding a version's document, not yet linked into place (see `JobVersionFiles.stage`). */
export interface StagedVersion {
  readonly job: Job;
  readonly source: string;
  readonly temporary: boolean;
}

/** Versions kept behind the newest; a writer racing with more concurrent writes than this is not realistic. */
const KEPT_VERSIONS = 16;

/** Parsed version files kept in memory; versions never change once written, so entries never go stale. */
const CACHED_VERSIONS = 4096;

/**
 * How recently this process must have read a version as a job's newest (`get`) for
 * `replace` to write the next one without listing the job's directory again: a read, then
 * a conditional write of the job (`modifyJob`) lists it once. The link of the next version
 * is the compare-and-set; the listing only guards against a caller so far behind that the
 * next version was already written and collected (KEPT_VERSIONS newer ones), which within
 * this window is the same unrealistic race that KEPT_VERSIONS already rules out. A version
 * this process linked counts as seen (the next write of a short job skips the listing), and
 * so does a claim candidate: its check lists the job while reading the version.
 */
const SEEN_NEWEST_MS = 100;

/**
 * The versions of each job under `items/<id>/<version>.json`: each written once by `link(2)`
 * of a complete file (the compare-and-set of the file job store), never changed, collected
 * KEPT_VERSIONS behind the newest. Parsed versions and the newest version seen are kept in
 * memory, since a version never changes once written.
 */
export class JobVersionFiles {
  private readonly versions = new Map<string, Job>();
  /** The newest version of a job this process saw (listed, found without successor, or wrote), and when (`performance.now()`). */
  private readonly newest = new Map<string, { version: number; at: number }>();

  constructor(
    private readonly items: string,
    private readonly tmp: string,
  ) {}

  /** The version if this process has it in memory (read or written before); no file is read. */
  cached(id: string, version: number): Job | undefined {
    return this.versions.get(`${id}~${version}`);
  }

  forgetNewest(id: string): void {
    this.newest.delete(id);
  }

  /** The newest version on disk, or undefined when the job does not exist. */
  async latest(id: string): Promise<number | undefined> {
    const names = await unlessMissing(readdir(join(this.items, id)), undefined);
    if (names === undefined) return undefined;
    let latest: number | undefined;
    for (const name of names) {
      if (!name.endsWith(".json")) continue;
      const version = Number(name.slice(0, -5));
      if (Number.isInteger(version) && (latest === undefined || version > latest)) latest = version;
    }
    return latest;
  }

  sawNewest(id: string, version: number): void {
    if (this.newest.size >= CACHED_VERSIONS) this.newest.clear();
    this.newest.set(id, { version, at: performance.now() });
  }

  /** Whether `version` was seen as the newest within SEEN_NEWEST_MS (see there). */
  seenNewest(id: string, version: number): boolean {
    const seen = this.newest.get(id);
    return seen !== undefined && seen.version === version && performance.now() - seen.at < SEEN_NEWEST_MS;
  }

  /** The newest version of a job, or undefined when it does not exist. */
  async readNewest(id: string): Promise<Job | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const version = await this.latest(id);
      if (version === undefined) return undefined;
      this.sawNewest(id, version);
      const job = await this.read(id, version);
      // Undefined: collected between readdir and read, so a newer version exists; look again.
      if (job !== undefined) return job;
    }
    throw new Error(`job ${id} keeps changing under the reader`);
  }

  /** One version of a job (immutable once written, so served from memory when seen before). */
  async read(id: string, version: number): Promise<Job | undefined> {
    const cached = this.versions.get(`${id}~${version}`);
    if (cached !== undefined) return cached;
    const path = join(this.items, id, `${version}.json`);
    const text = await unlessMissing(readSmallFile(path), undefined);
    if (text === undefined) return undefined;
    const job = readStored(storedJobSchema, text, path);
    this.remember(job);
    return job;
  }

  /** A version this process read or wrote, kept for later reads. */
  remember(job: Job): void {
    if (this.versions.size >= CACHED_VERSIONS) this.versions.clear();
    this.versions.set(`${job.id}~${job.version}`, job);
  }

  /**
   * A complete file holding the document, ready to be linked into place: the version's queue
   * marker when it has one (written complete before the link, so it serves as the temp file
   * and stays as a second name of the version), else a new temp file (`temporary`: removed
   * after the link, linked or not).
   */
  async stage(job: Job, markerPath = ""): Promise<StagedVersion> {
    if (markerPath) return { job, source: markerPath, temporary: false };
    const source = join(this.tmp, `${job.id}.${job.version}.${randomBytes(6).toString("hex")}`);
    await createFile(source, JSON.stringify(job));
    return { job, source, temporary: true };
  }

  /** Links a staged file into place as its version: all or nothing; false when the version exists. */
  async link(staged: StagedVersion): Promise<boolean> {
    const { job, source } = staged;
    try {
      await link(source, join(this.items, job.id, `${job.version}.json`));
      this.remember(job);
      // Linked means it was the newest at that moment, as much as a listing would have said.
      this.sawNewest(job.id, job.version);
      return true;
    } catch (error) {
      if (errnoCode(error) === "EEXIST") return false;
      // Our marker removed before the link: a lease scan found the job past this version (so it exists).
      if (!staged.temporary && errnoCode(error) === "ENOENT") return false;
      throw error;
    }
  }

  /** Removes a staged temp file once linked or given up (a marker stays: it is the version's index entry). */
  async discardTemporary(staged: StagedVersion): Promise<void> {
    if (staged.temporary) await unlessMissing(unlink(staged.source), undefined);
  }

  /** Stages and links in one go (a temp file removed before answering). */
  async write(job: Job, markerPath = ""): Promise<boolean> {
    const staged = await this.stage(job, markerPath);
    try {
      return await this.link(staged);
    } finally {
      await this.discardTemporary(staged);
    }
  }

  /** Removes versions more than KEPT_VERSIONS behind `newest` (their markers may still name them; readers look again). */
  async collectOld(id: string, newest: number): Promise<void> {
    for (const name of await readdir(join(this.items, id))) {
      const version = Number(name.slice(0, -5));
      if (Number.isInteger(version) && version <= newest - KEPT_VERSIONS) await unlessMissing(unlink(join(this.items, id, name)), undefined);
    }
  }
}
