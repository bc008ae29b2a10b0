import * as Effect from "effect/Effect";
import type { NotFound, StorageFailure } from "@parallax/domain";
import type { JobStore } from "../ports/job-store.port.js";
import type { LogPage, LogStore } from "../ports/log-store.port.js";
import { getJob } from "./get-job.js";

/** Log lines read at once while collecting the output tail. */
const PAGE_LINES = 1000;

/** A page of a job's log from `offset` (404 for no such job). */
export function readJobLog(deps: { store: JobStore; logs: LogStore }, id: string, offset: number, limit = 1000): Effect.Effect<LogPage, NotFound | StorageFailure> {
  return getJob(deps.store, id).pipe(Effect.andThen(() => deps.logs.read(id, offset, limit)));
}

/**
 * The §C job's `output[]`: the last `count` lines the process itself wrote. Parallax's own
 * `system` lines (started, retried, exit reasons) are only in the log API; reading goes back
 * page by page past them, so a retried job still shows `count` lines of its own.
 */
export function readOutputTail(logs: LogStore, id: string, count: number): Effect.Effect<string[], StorageFailure> {
  return Effect.gen(function* () {
    const pages: string[][] = [];
    let wanted = count;
    let end = yield* logs.size(id);
    while (wanted > 0 && end > 0) {
      const from = Math.max(0, end - Math.min(wanted, PAGE_LINES));
      const page = yield* logs.read(id, from, end - from);
      const own = page.lines.filter((line) => line.stream !== "system").map((line) => line.message);
      pages.unshift(own);
      wanted -= own.length;
      end = from;
    }
    return pages.flat();
  });
}
