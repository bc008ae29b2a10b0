import { appendFile, mkdir, readFile, readdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Effect } from "effect";
import { z } from "zod";
import { NotFound, StorageFailure } from "@parallax/domain";
import type { ResultRange, TaskRecord, TaskStore, TrackingUpdate } from "@parallax/application/tracking";
import { unlessMissing } from "../shared/errno.js";
import { parseJson, taskRecordSchema, trackingUpdateSchema } from "./tracking-payload.schema.js";

/**
 * Tasks on local disk: `<root>/<task_id>/state.json` (the record, replaced atomically through a
 * temporary file and rename, so a reader never sees half a record) and `results.jsonl` (one
 * `tracking_update` payload a line, appended in frame order, so a crash loses at most the line
 * being written and the rest stays readable). `root` is `<DATA_DIR>/tracking/tasks`.
 */
const TASK_ID = /^[A-Za-z0-9-]{1,64}$/;

export class FileTaskStore implements TaskStore {
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
      const text = (yield* self.read(join(self.root, taskId, "results.jsonl"))) ?? "";
      const lines = text.split("\n");
      // A line cut by a crash while it was written is the last one, with no newline: left out.
      lines.pop();
      const out: TrackingUpdate[] = [];
      for (const [n, line] of lines.entries()) {
        const parsed = parseJson(trackingUpdateSchema, line);
        if (!parsed.success) return yield* Effect.fail(new StorageFailure({ message: `task ${taskId}: damaged results.jsonl line ${n + 1}: ${z.prettifyError(parsed.error)}` }));
        const index = parsed.data.global_frame_index;
        if (index >= (range.from ?? 0) && index < (range.to ?? Infinity)) out.push(parsed.data);
      }
      return out;
    });
  }

  private read(file: string): Effect.Effect<string | undefined, StorageFailure> {
    return this.io(`read ${file}`, () => unlessMissing(readFile(file, "utf8"), undefined));
  }

  private io<A>(what: string, run: () => Promise<A>): Effect.Effect<A, StorageFailure> {
    return Effect.tryPromise({ try: run, catch: (error) => new StorageFailure({ message: `cannot ${what}: ${String(error)}`, cause: error }) });
  }
}
