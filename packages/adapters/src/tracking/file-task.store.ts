import { appendFile, mkdir, open, readFile, readdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as Effect from "effect/Effect";
import { z } from "zod";
import { NotFound, StorageFailure } from "@parallax/domain";
import type { FrameSize, ResultRange, TaskRecord, TaskStore, TrackingUpdate } from "@parallax/application/tracking";
import { unlessMissing } from "../shared/errno.js";
import { frameSizesSchema, parseJson, taskRecordSchema, trackingUpdateSchema } from "./tracking-payload.schema.js";
import { RecentMap } from "../shared/recent-map.js";

/**
 * Tasks on local disk: `<root>/<task_id>/state.json` (the record, replaced atomically through a
 * temporary file and rename, so a reader never sees half a record) and `results.jsonl` (one
 * `tracking_update` payload a line, appended in frame order, so a crash loses at most the line
 * being written and the rest stays readable), and `cameras.json` (each camera's frame size, written
 * once like the record). `root` is `<DATA_DIR>/tracking/tasks`.
 *
 * A reader that resumes (`results` from where its last read ended, as a host following a worker's
 * task does every few hundred milliseconds) reads only the bytes appended since: the store keeps,
 * per recently read task, the byte offset after the last complete line and the index following it.
 * Lines are appended in frame order, so every line before that offset has a smaller index.
 */
const TASK_ID = /^[A-Za-z0-9-]{1,64}$/;
/** Tasks whose read position is kept (the oldest forgotten first). */
const CURSORS = 64;

interface Cursor {
  /** The `global_frame_index` after the last complete line read, and the byte offset after it. */
  readonly next: number;
  readonly offset: number;
}

export class FileTaskStore implements TaskStore {
  private readonly cursors = new RecentMap<string, Cursor>(CURSORS);

  constructor(private readonly root: string) {}

  put(record: TaskRecord): Effect.Effect<void, StorageFailure> {
    const dir = join(this.root, record.task_id);
    return this.io(`write task ${record.task_id}`, async () => {
      await mkdir(dir, { recursive: true });
      const temporary = join(dir, `state.json.${process.pid}.tmp`);
      await writeFile(temporary, JSON.stringify(record));
      await rename(temporary, join(dir, "state.json"));
    });
  }

  get(taskId: string): Effect.Effect<TaskRecord, NotFound | StorageFailure> {
    if (!TASK_ID.test(taskId)) return Effect.fail(new NotFound({ message: "Processing task not found." }));
    return Effect.flatMap(this.read(join(this.root, taskId, "state.json")), (text): Effect.Effect<TaskRecord, NotFound | StorageFailure> => {
      if (text === undefined) return Effect.fail(new NotFound({ message: "Processing task not found." }));
      const parsed = parseJson(taskRecordSchema, text);
      return parsed.success ? Effect.succeed(parsed.data) : Effect.fail(new StorageFailure({ message: `task ${taskId}: damaged state.json: ${z.prettifyError(parsed.error)}` }));
    });
  }

  get list(): Effect.Effect<readonly TaskRecord[], StorageFailure> {
    const self = this;
    return Effect.gen(function* () {
      const names = yield* self.io("list tasks", () => unlessMissing(readdir(self.root), []));
      const records: TaskRecord[] = [];
      for (const name of names) {
        const record = yield* self.get(name).pipe(Effect.catchTag("NotFound", () => Effect.succeed(undefined)));
        if (record) records.push(record);
      }
      return records.sort((a, b) => b.start_time.localeCompare(a.start_time));
    });
  }

  append(taskId: string, updates: readonly TrackingUpdate[]): Effect.Effect<void, StorageFailure> {
    return this.io(`append results of ${taskId}`, () => appendFile(join(this.root, taskId, "results.jsonl"), updates.map((u) => `${JSON.stringify(u)}\n`).join("")));
  }

  results(taskId: string, range: ResultRange): Effect.Effect<readonly TrackingUpdate[], NotFound | StorageFailure> {
    const self = this;
    return Effect.gen(function* () {
      yield* self.get(taskId);
      const file = join(self.root, taskId, "results.jsonl");
      const cursor = self.cursors.get(taskId);
      const from = cursor !== undefined && (range.from ?? 0) >= cursor.next ? cursor : { next: 0, offset: 0 };
      const text = (yield* self.io(`read ${file}`, () => unlessMissing(readFrom(file, from.offset), undefined))) ?? "";
      // A line cut by a crash (or still being appended) is the last one, with no newline: left out.
      const complete = text.lastIndexOf("\n") + 1;
      const out: TrackingUpdate[] = [];
      let next = from.next;
      for (const [n, line] of text.slice(0, complete).split("\n").slice(0, -1).entries()) {
        const parsed = parseJson(trackingUpdateSchema, line);
        if (!parsed.success) return yield* Effect.fail(new StorageFailure({ message: `task ${taskId}: damaged results.jsonl line ${n + 1}${from.offset > 0 ? " after byte " + from.offset : ""}: ${z.prettifyError(parsed.error)}` }));
        const index = parsed.data.global_frame_index;
        next = index + 1;
        if (index >= (range.from ?? 0) && index < (range.to ?? Infinity)) out.push(parsed.data);
      }
      self.cursors.remember(taskId, { next, offset: from.offset + Buffer.byteLength(text.slice(0, complete)) });
      return out;
    });
  }

  putFrameSizes(taskId: string, sizes: Readonly<Record<string, FrameSize>>): Effect.Effect<void, StorageFailure> {
    if (!TASK_ID.test(taskId)) return Effect.fail(new StorageFailure({ message: `cannot write frame sizes of task ${JSON.stringify(taskId)}: not a task id` }));
    const dir = join(this.root, taskId);
    return this.io(`write frame sizes of ${taskId}`, async () => {
      await mkdir(dir, { recursive: true });
      const temporary = join(dir, `cameras.json.${process.pid}.tmp`);
      await writeFile(temporary, JSON.stringify(sizes));
      await rename(temporary, join(dir, "cameras.json"));
    });
  }

  frameSizes(taskId: string): Effect.Effect<Readonly<Record<string, FrameSize>>, NotFound | StorageFailure> {
    const self = this;
    return Effect.gen(function* () {
      yield* self.get(taskId);
      const text = yield* self.read(join(self.root, taskId, "cameras.json"));
      if (text === undefined) return {};
      const parsed = parseJson(frameSizesSchema, text);
      if (!parsed.success) return yield* Effect.fail(new StorageFailure({ message: `task ${taskId}: damaged cameras.json: ${z.prettifyError(parsed.error)}` }));
      return parsed.data;
    });
  }

  private read(file: string): Effect.Effect<string | undefined, StorageFailure> {
    return this.io(`read ${file}`, () => unlessMissing(readFile(file, "utf8"), undefined));
  }

  private io<A>(what: string, run: () => Promise<A>): Effect.Effect<A, StorageFailure> {
    return Effect.tryPromise({ try: run, catch: (error) => new StorageFailure({ message: `cannot ${what}: ${String(error)}`, cause: error }) });
  }
}

/** The file's text from a byte offset to its end. */
async function readFrom(file: string, offset: number): Promise<string> {
  if (offset === 0) return readFile(file, "utf8");
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    let read = 0;
    while (read < buffer.length) {
      const { bytesRead } = await handle.read(buffer, read, buffer.length - read, offset + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return buffer.subarray(0, read).toString("utf8");
  } finally {
    await handle.close();
  }
}
