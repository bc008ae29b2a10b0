import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as Effect from "effect/Effect";
import { StorageFailure } from "@parallax/domain";
import type { TaskPictures } from "@parallax/application/tracking";
import { unlessMissing } from "../shared/errno.js";

/**
 * A worker's pictures of a task on local disk, beside its record, results and event log:
 * `<root>/<task_id>/pictures/<global_frame_index>/<camera>.jpg` (the camera id URI-encoded).
 * Each picture is written to a hidden temp name in its frame's directory and renamed into place,
 * so a reader sees a whole JPEG or none. Not fsynced: pictures live seconds, and a crash loses
 * nothing the task needs. A reader racing a removal finds the picture missing, which is "absent".
 * `root` is `<DATA_DIR>/tracking/tasks`, shared by the host and the workers of one machine.
 */
const TASK_ID = /^[A-Za-z0-9-]{1,64}$/;

export class FileTaskPictures implements TaskPictures {
  constructor(private readonly root: string) {}

  put(taskId: string, globalFrame: number, pictures: ReadonlyMap<string, Uint8Array>): Effect.Effect<void, StorageFailure> {
    const dir = this.frameDir(taskId, globalFrame);
    if (!dir) return Effect.fail(new StorageFailure({ message: `not a task id: ${taskId}` }));
    return this.io(`keep the pictures of frame ${globalFrame} of task ${taskId}`, async () => {
      await mkdir(dir, { recursive: true });
      await Promise.all(
        [...pictures].map(async ([camera, jpeg]) => {
          const name = `${encodeURIComponent(camera)}.jpg`;
          const temp = join(dir, `.${name}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
          await writeFile(temp, jpeg);
          await rename(temp, join(dir, name));
        }),
      );
    });
  }

  get(taskId: string, globalFrame: number, cameras: readonly string[]): Effect.Effect<ReadonlyMap<string, Uint8Array>, StorageFailure> {
    const dir = this.frameDir(taskId, globalFrame);
    if (!dir) return Effect.succeed(new Map());
    return this.io(`read the pictures of frame ${globalFrame} of task ${taskId}`, async () => {
      const read = await Promise.all(cameras.map(async (camera) => [camera, await unlessMissing(readFile(join(dir, `${encodeURIComponent(camera)}.jpg`)), undefined)] as const));
      return new Map(read.filter((entry): entry is readonly [string, Buffer] => entry[1] !== undefined));
    });
  }

  remove(taskId: string, globalFrame: number): Effect.Effect<void, StorageFailure> {
    const dir = this.frameDir(taskId, globalFrame);
    if (!dir) return Effect.void;
    return this.io(`remove the pictures of frame ${globalFrame} of task ${taskId}`, () => rm(dir, { recursive: true, force: true }));
  }

  clear(taskId: string): Effect.Effect<void, StorageFailure> {
    if (!TASK_ID.test(taskId)) return Effect.void;
    return this.io(`remove the pictures of task ${taskId}`, () => rm(join(this.root, taskId, "pictures"), { recursive: true, force: true }));
  }

  private frameDir(taskId: string, globalFrame: number): string | undefined {
    if (!TASK_ID.test(taskId) || !Number.isSafeInteger(globalFrame) || globalFrame < 0) return undefined;
    return join(this.root, taskId, "pictures", String(globalFrame));
  }

  private io<A>(what: string, run: () => Promise<A>): Effect.Effect<A, StorageFailure> {
    return Effect.tryPromise({ try: run, catch: (error) => new StorageFailure({ message: `cannot ${what}: ${String(error)}`, cause: error }) });
  }
}
