import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { StorageFailure } from "@parallax/domain";
import { fixedClock, strictFake } from "../../../testing/index.js";
import type { LogEntry, LogStore } from "../../ports/log-store.port.js";
import { openJobLog } from "./job-log.js";

function recordingLogs(fail = false) {
  const appended: string[][] = [];
  const logs = strictFake<LogStore>("LogStore", {
    append: (_jobId, entries) =>
      fail ? Effect.fail(new StorageFailure({ message: "disk full" })) : Effect.sync(() => (appended.push(entries.map((entry) => entry.message)), [])),
  });
  return { logs, appended };
}

const line = (message: string): LogEntry => ({ stream: "stdout", timestamp: "2026-02-01T00:00:00.000Z", message });

describe("a running job's log", () => {
  it("keeps at most `capacity` lines waiting; the rest are counted and stored as one system line in their place", async () => {
    const { logs, appended } = recordingLogs();
    let stored = 0;
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const log = yield* openJobLog({ logs, clock: fixedClock(), onStored: () => Effect.sync(() => void stored++) }, "job-1", 2);
          // Five lines before the writer runs at all: two wait, three are dropped.
          for (const message of ["1", "2", "3", "4", "5"]) log.add(line(message));
          yield* log.close;
        }),
      ),
    );
    expect(appended).toEqual([["1", "2", "[parallax] 3 lines dropped: log store too slow"]]);
    expect(stored).toBe(1);
  });

  it("stores lines in batches in order and its own system lines stamped by the clock", async () => {
    const { logs, appended } = recordingLogs();
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const log = yield* openJobLog({ logs, clock: fixedClock(), onStored: () => Effect.void }, "job-1", 100);
          log.add(line("a"));
          log.system("[parallax] started");
          yield* Effect.yieldNow;
          log.add(line("b"));
          yield* log.close;
        }),
      ),
    );
    expect(appended.flat()).toEqual(["a", "[parallax] started", "b"]);
  });

  it("a batch the store refuses is logged and dropped; the job's log goes on and closes", async () => {
    const { logs } = recordingLogs(true);
    const closed = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const log = yield* openJobLog({ logs, clock: fixedClock(), onStored: () => Effect.void }, "job-1", 10);
          log.add(line("lost"));
          yield* log.close;
          return "closed";
        }),
      ),
    );
    expect(closed).toBe("closed");
  });
});
