/**
 * `BlobStore` on one S3 bucket (or MinIO, s3rver): puts, ranged gets, prefix listings, deletes,
 * and streamed multipart uploads through `@aws-sdk/lib-storage`. The SDK is imported on first
 * use (see `AwsClients.s3`). Not here: which keys a capability uses (its store decides).
 */
import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";
import { NotFound, StorageFailure } from "@parallax/domain";
import type { BlobStore, ByteRange } from "@parallax/application";
import type { AwsClients } from "./aws-clients.js";

/** Parts of a multipart upload: S3's minimum (5 MiB) is enough and bounds memory per upload. */
const PART_BYTES = 5 * 1024 * 1024;

export class S3BlobStore implements BlobStore {
  constructor(
    private readonly clients: Pick<AwsClients, "s3" | "bucket">,
    private readonly prefix = "",
  ) {}

  put(key: string, body: Uint8Array, options: { readonly contentType?: string } = {}): Effect.Effect<void, StorageFailure> {
    return this.call(`put ${key}`, async (s3, sdk) => {
      await s3.send(new sdk.PutObjectCommand({ Bucket: this.clients.bucket, Key: this.prefix + key, Body: body, ContentLength: body.byteLength, ...(options.contentType ? { ContentType: options.contentType } : {}) }));
    });
  }

  get(key: string, range?: ByteRange): Effect.Effect<Uint8Array, NotFound | StorageFailure> {
    return this.call(`get ${key}`, async (s3, sdk): Promise<Uint8Array | NotFound> => {
      try {
        const object = await s3.send(
          new sdk.GetObjectCommand({ Bucket: this.clients.bucket, Key: this.prefix + key, ...(range ? { Range: `bytes=${range.start}-${range.end ?? ""}` } : {}) }),
        );
        return object.Body ? await object.Body.transformToByteArray() : new Uint8Array();
      } catch (error) {
        if ((error as { name?: string }).name === "NoSuchKey" || status(error) === 404) return new NotFound({ message: `Object not found: ${key}` });
        // A range starting past the end: nothing there.
        if (range && status(error) === 416) return new Uint8Array();
        throw error;
      }
    }).pipe(Effect.flatMap((result) => (result instanceof NotFound ? Effect.fail(result) : Effect.succeed(result))));
  }

  list(prefix: string, options: { readonly after?: string } = {}): Effect.Effect<readonly string[], StorageFailure> {
    return this.call(`list ${prefix}`, async (s3, sdk) => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new sdk.ListObjectsV2Command({
            Bucket: this.clients.bucket,
            Prefix: this.prefix + prefix,
            ...(token ? { ContinuationToken: token } : options.after ? { StartAfter: this.prefix + options.after } : {}),
          }));
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key.slice(this.prefix.length));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    });
  }

  delete(key: string): Effect.Effect<void, StorageFailure> {
    return this.call(`delete ${key}`, async (s3, sdk) => {
      await s3.send(new sdk.DeleteObjectCommand({ Bucket: this.clients.bucket, Key: this.prefix + key }));
    });
  }

  upload(key: string, body: Stream.Stream<Uint8Array, StorageFailure>, options: { readonly contentType?: string } = {}): Effect.Effect<number, StorageFailure> {
    // lib-storage reads a Node Readable; the effect stream is drained into one, chunk by chunk.
    return Effect.flatMap(Stream.toReadableStreamEffect(body), (web) =>
      this.call(`upload ${key}`, async (s3) => {
        const [{ Upload }, { Readable }] = await Promise.all([import("@aws-sdk/lib-storage"), import("node:stream")]);
        let bytes = 0;
        const counted = Readable.fromWeb(web as import("node:stream/web").ReadableStream<Uint8Array>).map((chunk: Uint8Array) => ((bytes += chunk.byteLength), chunk));
        const upload = new Upload({
          client: s3,
          params: { Bucket: this.clients.bucket, Key: this.prefix + key, Body: counted, ...(options.contentType ? { ContentType: options.contentType } : {}) },
          partSize: PART_BYTES,
          queueSize: 2,
        });
        await upload.done();
        return bytes;
      }),
    );
  }

  private call<A>(what: string, body: (s3: import("@aws-sdk/client-s3").S3Client, sdk: typeof import("@aws-sdk/client-s3")) => Promise<A>): Effect.Effect<A, StorageFailure> {
    return Effect.tryPromise({
      try: async () => body(await this.clients.s3(), await import("@aws-sdk/client-s3")),
      catch: (cause) => (cause instanceof StorageFailure ? cause : new StorageFailure({ message: `S3 ${what} in ${this.clients.bucket}: ${(cause as Error).message}`, cause })),
    });
  }
}

function status(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}
