import { appendFile, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import * as Effect from "effect/Effect";
import { z } from "zod";
import { StorageFailure } from "@parallax/domain";
import type { EventLogEntry, TaskEventLog } from "@parallax/application/tracking";
import { unlessMissing } from "../shared/errno.js";
import { eventLogEntrySchema, parseJson } from "./tracking-payload.schema.js";

/**
 * A task's event log on local disk, beside its record and results: `<root>/<task_id>/events.jsonl`,
 * one entry a line, appended (one `appendFile` per entry: a status line is a few hundred bytes,
 * written at most every ten frame indices), read whole and sliced (a task logs a few hundred
 * lines). A line cut by a crash while it was written is the last one and is left out.
 * `root` is `<DATA_DIR>/tracking/tasks`, shared by the host and the workers of one machine.
 */
const TASK_ID = /^[A-Za-z0-9-]{1,64}$/;

export class FileTaskEventLog implements TaskEventLog {
  constructor(private readonly root: string) {}

  append(taskId: string, entry: EventLogEntry): Effect.Effect<void, StorageFailure> {
    if (!TASK_ID.test(taskId)) return Effect.fail(new StorageFailure({ message: `not a task id: ${taskId}` }));
    const dir = join(this.root, taskId);
    return this.io(`log an event of task ${taskId}`, async () => {
      await mkdir(dir, { recursive: true });
      await appendFile(join(dir, "events.jsonl"), `${JSON.stringify(entry)}\n`);
    });
  }

  read(taskId: string, from: number): Effect.Effect<readonly EventLogEntry[], StorageFailure> {
    if (!TASK_ID.test(taskId)) return Effect.succeed([]);
    const self = this;
    return Effect.gen(function* () {
      const text = yield* self.io(`read the events of task ${taskId}`, () => unlessMissing(readFile(join(self.root, taskId, "events.jsonl"), "utf8"), ""));
      const lines = text.split("\n");
      lines.pop();
      const entries: EventLogEntry[] = [];
      for (let n = from; n < lines.length; n++) {
        const parsed = parseJson(eventLogEntrySchema, lines[n]!);
        if (!parsed.success) return yield* Effect.fail(new StorageFailure({ message: `task ${taskId}: damaged events.jsonl line ${n + 1}: ${z.prettifyError(parsed.error)}` }));
        entries.push(parsed.data);
      }
      return entries;
    });
  }

  private io<A>(what: string, run: () => Promise<A>): Effect.Effect<A, StorageFailure> {
    return Effect.tryPromise({ try: run, catch: (error) => new StorageFailure({ message: `cannot ${what}: ${String(error)}`, cause: error }) });
  }
}
