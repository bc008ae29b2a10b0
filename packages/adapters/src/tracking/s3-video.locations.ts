import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import { Effect, Semaphore } from "effect";
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
 * with the same bytes. Nothing is evicted: the cache grows with the objects tasks have read.
 *
 * Why download rather than let ffmpeg read a presigned URL: see the README (measured).
 */
export class S3VideoLocations implements VideoLocations {
  private client: Promise<S3Client> | undefined;
  private readonly downloads = new Map<string, { readonly lock: Semaphore.Semaphore; users: number }>();

  constructor(private readonly options: {
    /** Where entries are kept (`DATA_DIR/tracking/cache`). */
    readonly cacheDir: string;
    /** Called once, on the first S3 location (so a host that never reads S3 never imports the SDK). */
    readonly client: () => Promise<S3Client>;
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
      if (yield* exists(entry)) return entry;
      const download = { client, location, ...object, etag: head.ETag, length: head.ContentLength, entry };
      // The first fetch downloads; the others wait for it and then find the entry (or, if it was
      // cancelled or failed, try themselves).
      return yield* self.oneAtATime(digest, Effect.flatMap(exists(entry), (present) => (present ? Effect.succeed(entry) : self.download(download))));
    });
  }

  private download(d: { client: S3Client; location: string; bucket: string; key: string; etag: string; length: number; entry: string }): Effect.Effect<string, NotFound | StorageFailure> {
    const partial = join(this.options.cacheDir, ".partial", `${randomUUID()}-${basename(d.key)}`);
    return s3(d.location, async (signal) => {
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
      }
    });
  }

  private oneAtATime<A, E>(key: string, effect: Effect.Effect<A, E>): Effect.Effect<A, E> {
    return Effect.acquireUseRelease(
      Effect.sync(() => {
        let download = this.downloads.get(key);
        if (!download) this.downloads.set(key, (download = { lock: Semaphore.makeUnsafe(1), users: 0 }));
        download.users++;
        return download;
      }),
      (download) => download.lock.withPermits(1)(effect),
      (download) => Effect.sync(() => (--download.users === 0 ? this.downloads.delete(key) : undefined)),
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

function exists(path: string): Effect.Effect<boolean, StorageFailure> {
  return Effect.tryPromise({
    try: () => unlessMissing(stat(path).then(() => true), false),
    catch: (error) => new StorageFailure({ message: `cannot read the video cache at ${path}: ${String(error)}`, cause: error }),
  });
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
