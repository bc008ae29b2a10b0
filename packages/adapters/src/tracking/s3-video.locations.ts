import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import * as Effect from "effect/Effect";
import * as Semaphore from "effect/Semaphore";
import { NotFound, StorageFailure } from "@parallax/domain";
import type { VideoLocations } from "@parallax/application/tracking";
import { unlessMissing } from "../shared/errno.js";
import { parseS3Location } from "./s3-location.js";

/**
 * `s3://bucket/key` locations as local files: each object is downloaded once into a
 * content-addressed cache and read from there by every later task; other locations are local
 * paths and pass through unchanged. Not a general S3 store: it only reads, whole objects.
 *
 * Cache layout (`DATA_DIR/tracking/cache`):
 *   <sha256(bucket, key, ETag)>/<the key's file name>   a complete object; its presence is the proof
 *   .partial/<uuid>-<file name>                          a download in progress
 * A download is written under `.partial`, checked against the object's length, fsynced and only
 * then renamed into its entry, so a cut or cancelled download never becomes an entry (and is
 * deleted before the fetch reports its end). The ETag is in the key: an object replaced in the
 * bucket is a new entry, never a stale hit. Each fetch costs one HEAD request (the ETag); a GET
 * only on a miss, with `If-Match` so the bytes are the ETag's. Fetches of one object in this
 * process wait for one download; two processes may both download it, and the second rename wins
 * with the same bytes.
 *
 * Bounded (`maxBytes`): an entry's directory mtime is its last use (set by the download's rename,
 * touched on each hit). After each download the entries are listed once and the least recently
 * used removed until their total is within the cap, except the one just downloaded (which alone
 * may exceed it) and any that a fetch of this process holds: a fetch (hit or download) registers
 * its entry for its whole run, and an eviction claims an entry the same way, only when no fetch
 * has it, so a fetch that starts meanwhile waits and then downloads again rather than returning a
 * path being removed. Other processes sharing the cache are not coordinated with (an entry may go
 * while a process there is about to read it). A `.partial` file untouched for an hour is a download
 * a crashed process left, and is removed by the same sweep. A task fetches all its videos before
 * decoding any, so the cap must exceed the largest task's videos (or its first ones are gone
 * before they are decoded).
 *
 * Why download rather than let ffmpeg read a presigned URL: see the README (measured).
 */
export class S3VideoLocations implements VideoLocations {
  private client: Promise<S3Client> | undefined;
  /** Entries held by a fetch (or an eviction) of this process; the lock serialises hits, downloads and removal of one entry. */
  private readonly entries = new Map<string, { readonly lock: Semaphore.Semaphore; users: number }>();
  /** Partial downloads of this process, never swept as stale. */
  private readonly partials = new Set<string>();
  /** One sweep at a time, each over a fresh listing. */
  private readonly sweeping = Semaphore.makeUnsafe(1);

  constructor(private readonly options: {
    /** Where entries are kept (`DATA_DIR/tracking/cache`). */
    readonly cacheDir: string;
    /** Called once, on the first S3 location (so a host that never reads S3 never imports the SDK). */
    readonly client: () => Promise<S3Client>;
    /** The cap on the entries' total size, in bytes (`TRACKING_CACHE_MAX_MB`); absent: no cap. */
    readonly maxBytes?: number;
  }) {}

  localPath(location: string): Effect.Effect<string, NotFound | StorageFailure> {
    if (!location.startsWith("s3://")) return Effect.succeed(location);
    const object = parseS3Location(location);
    if (!object) return Effect.fail(new StorageFailure({ message: `${location} is not an S3 object location (s3://bucket/key)` }));
    const self = this;
    return Effect.gen(function* () {
      const client = yield* s3(location, () => (self.client ??= self.options.client()));
      const { HeadObjectCommand } = yield* s3(location, () => import("@aws-sdk/client-s3"));
      const head = yield* s3(location, (signal) => client.send(new HeadObjectCommand({ Bucket: object.bucket, Key: object.key }), { abortSignal: signal }));
      if (!head.ETag || head.ContentLength === undefined) return yield* Effect.fail(new StorageFailure({ message: `${location}: the server sent no ETag or length` }));
      const digest = createHash("sha256").update(`${object.bucket}\n${object.key}\n${head.ETag}`).digest("hex");
      const entry = join(self.options.cacheDir, digest, basename(object.key));
      const download = { client, location, ...object, etag: head.ETag, length: head.ContentLength, entry };
      // The first fetch downloads; the others wait for it and then find the entry (or, if it was
      // cancelled or failed, try themselves). The entry stays held until this fetch ends.
      return yield* self.holding(
        digest,
        Effect.gen(function* () {
          if (yield* hit(entry)) return entry;
          yield* self.download(download);
          return yield* Effect.as(self.sweep(digest), entry);
        }),
      );
    });
  }

  /**
   * Least recently used entries removed until the rest fit under the cap (never `kept`, never one
   * a fetch holds), and partial downloads a crashed process left. A failure here fails no fetch.
   */
  private sweep(kept: string): Effect.Effect<void> {
    const max = this.options.maxBytes;
    const cacheDir = this.options.cacheDir;
    const self = this;
    const program = Effect.gen(function* () {
      const listed = yield* cacheIo(`list the video cache ${cacheDir}`, () => listCache(cacheDir));
      const now = Date.now();
      for (const partial of listed.partials) {
        if (now - partial.mtimeMs > STALE_PARTIAL_MS && !self.partials.has(partial.path)) yield* cacheIo(`remove ${partial.path}`, () => rm(partial.path, { force: true }));
      }
      if (max === undefined) return;
      let total = listed.entries.reduce((sum, entry) => sum + entry.bytes, 0);
      for (const entry of listed.entries.sort((a, b) => a.mtimeMs - b.mtimeMs || a.digest.localeCompare(b.digest))) {
        if (total <= max) break;
        if (entry.digest === kept) continue;
        if (yield* self.evict(entry.digest)) total -= entry.bytes;
      }
    });
    return this.sweeping.withPermits(1)(program).pipe(Effect.catch((error) => Effect.logWarning("tracking: the video cache was not swept", error)));
  }

  /**
   * Removes an entry unless a fetch holds it. Claimed in the same step as the check, with its lock
   * shut (no permit until the removal is over), so a fetch starting meanwhile waits, then downloads.
   */
  private evict(digest: string): Effect.Effect<boolean, StorageFailure> {
    // Uninterruptible: a claim left behind would shut the entry for the life of the process.
    return Effect.uninterruptible(Effect.suspend(() => {
      if (this.entries.has(digest)) return Effect.succeed(false);
      const claim = { lock: Semaphore.makeUnsafe(0), users: 1 };
      this.entries.set(digest, claim);
      const dir = join(this.options.cacheDir, digest);
      return cacheIo(`remove ${dir}`, () => rm(dir, { recursive: true, force: true })).pipe(
        Effect.as(true),
        Effect.ensuring(Effect.andThen(claim.lock.resize(1), Effect.sync(() => (--claim.users === 0 ? this.entries.delete(digest) : undefined)))),
      );
    }));
  }

  private download(d: { client: S3Client; location: string; bucket: string; key: string; etag: string; length: number; entry: string }): Effect.Effect<string, NotFound | StorageFailure> {
    const partial = join(this.options.cacheDir, ".partial", `${randomUUID()}-${basename(d.key)}`);
    return s3(d.location, async (signal) => {
      this.partials.add(partial);
      try {
        const { GetObjectCommand } = await import("@aws-sdk/client-s3");
        await mkdir(dirname(partial), { recursive: true });
        const got = await d.client.send(new GetObjectCommand({ Bucket: d.bucket, Key: d.key, IfMatch: d.etag }), { abortSignal: signal });
        if (!(got.Body instanceof Readable)) throw new Error("the SDK returned no stream body");
        await pipeline(got.Body, createWriteStream(partial, { flags: "wx" }), { signal });
        // On disk before it is renamed into place: after a power cut an entry is whole or absent.
        const file = await open(partial, "r+");
        await file.sync().finally(() => file.close());
        const { size } = await stat(partial);
        // A connection cut at a clean chunk boundary can end the body early without an error.
        if (size !== d.length) throw new Error(`the download stopped after ${size} of ${d.length} bytes`);
        await mkdir(dirname(d.entry), { recursive: true });
        await rename(partial, d.entry);
        return d.entry;
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      } finally {
        this.partials.delete(partial);
      }
    });
  }

  /** `effect` with the entry held (registered for its whole run) and its lock taken. */
  private holding<A, E>(digest: string, effect: Effect.Effect<A, E>): Effect.Effect<A, E> {
    return Effect.acquireUseRelease(
      Effect.sync(() => {
        let held = this.entries.get(digest);
        if (!held) this.entries.set(digest, (held = { lock: Semaphore.makeUnsafe(1), users: 0 }));
        held.users++;
        return held;
      }),
      (held) => held.lock.withPermits(1)(effect),
      (held) => Effect.sync(() => (--held.users === 0 ? this.entries.delete(digest) : undefined)),
    );
  }
}

/**
 * A call to S3 (or the file system around it) as an interruptible effect: interruption aborts the
 * call and waits until it has stopped, so whatever it cleans up is gone when the fetch ends.
 */
function s3<A>(location: string, call: (signal: AbortSignal) => Promise<A>): Effect.Effect<A, NotFound | StorageFailure> {
  return Effect.callback<A, NotFound | StorageFailure>((resume) => {
    const controller = new AbortController();
    const settled = call(controller.signal).then(
      (value) => resume(Effect.succeed(value)),
      (error: unknown) => resume(Effect.fail(s3Failure(location, error))),
    );
    return Effect.promise(() => (controller.abort(), settled));
  });
}

/** A partial download untouched this long was left by a process that died (a live one writes as bytes arrive). */
const STALE_PARTIAL_MS = 60 * 60 * 1000;

/** Is the entry there? If so its directory's mtime becomes now: its last use, for eviction. */
function hit(entry: string): Effect.Effect<boolean, StorageFailure> {
  return cacheIo(`read the video cache at ${entry}`, async () => {
    if (!(await unlessMissing(stat(entry).then(() => true), false))) return false;
    const now = new Date();
    await unlessMissing(utimes(dirname(entry), now, now), undefined);
    return true;
  });
}

interface CacheListing {
  readonly entries: { readonly digest: string; readonly bytes: number; readonly mtimeMs: number }[];
  readonly partials: readonly { readonly path: string; readonly mtimeMs: number }[];
}

/** The cache's entries (size, last use) and partial downloads; one removed meanwhile is skipped. */
async function listCache(cacheDir: string): Promise<CacheListing> {
  const names = await unlessMissing(readdir(cacheDir), [] as string[]);
  const entries: CacheListing["entries"] = [];
  for (const digest of names) {
    if (digest === ".partial") continue;
    const dir = join(cacheDir, digest);
    const info = await unlessMissing(stat(dir), undefined);
    if (!info?.isDirectory()) continue;
    let bytes = 0;
    for (const file of await unlessMissing(readdir(dir), [] as string[])) bytes += (await unlessMissing(stat(join(dir, file)), undefined))?.size ?? 0;
    entries.push({ digest, bytes, mtimeMs: info.mtimeMs });
  }
  const partialDir = join(cacheDir, ".partial");
  const partials: { path: string; mtimeMs: number }[] = [];
  for (const name of await unlessMissing(readdir(partialDir), [] as string[])) {
    const info = await unlessMissing(stat(join(partialDir, name)), undefined);
    if (info) partials.push({ path: join(partialDir, name), mtimeMs: info.mtimeMs });
  }
  return { entries, partials };
}

function cacheIo<A>(what: string, run: () => Promise<A>): Effect.Effect<A, StorageFailure> {
  return Effect.tryPromise({ try: run, catch: (error) => new StorageFailure({ message: `cannot ${what}: ${String(error)}`, cause: error }) });
}

/** The SDK's failure in words a task's failure reason can carry. */
function s3Failure(location: string, error: unknown): NotFound | StorageFailure {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const name = error instanceof Error ? error.name : "";
  if (name === "NoSuchBucket") return new NotFound({ message: `${location} not found (no such bucket)` });
  if (status === 404 || name === "NoSuchKey" || name === "NotFound") return new NotFound({ message: `${location} not found` });
  if (status === 403) return new StorageFailure({ message: `${location}: access denied (the AWS credentials or the bucket's policy)`, cause: error });
  if (status === 412) return new StorageFailure({ message: `${location} changed while it was being downloaded; start the task again`, cause: error });
  // Node's http client says only "aborted" when a response's connection closes before its end.
  if (error instanceof Error && error.message === "aborted") return new StorageFailure({ message: `cannot fetch ${location}: the connection closed before the whole object arrived`, cause: error });
  const message = error instanceof Error ? `${name === "Error" ? "" : `${name}: `}${error.message}` : String(error);
  return new StorageFailure({ message: `cannot fetch ${location}: ${message}`, cause: error });
}
