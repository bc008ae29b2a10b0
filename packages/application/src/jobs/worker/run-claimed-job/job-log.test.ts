import { Effect, Fiber } from "effect";
import { describe, expect, it } from "vitest";
import { StorageFailure } from "@parallax/domain";
import { advance, fixedClock, strictFake, withTestClock } from "../../../testing/index.js";
import type { LogEntry, LogStore } from "../../ports/log-store.port.js";
import { LOG_GATHER_MS, LogWriter, openJobLog } from "./job-log.js";

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
  it("keeps every line: once `capacity` lines wait, `room` waits until the writer takes them", async () => {
    const { logs, appended } = recordingLogs();
    let stored = 0;
    const events: string[] = [];
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const log = yield* openJobLog({ logs, clock: fixedClock(), onStored: () => Effect.sync(() => void stored++) }, "job-1", 2);
          log.add(line("1"));
          yield* log.room;
          events.push("room after 1");
          // Five lines in one chunk before the writer runs at all: none dropped, the reader waits.
          for (const message of ["2", "3", "4", "5", "6"]) log.add(line(message));
          const waited = yield* Effect.forkChild(Effect.andThen(log.room, Effect.sync(() => events.push("room after 6"))));
          expect(events).toEqual(["room after 1"]);
          yield* Effect.yieldNow;
          yield* Fiber.join(waited);
          log.add(line("7"));
          yield* log.close;
          yield* log.room;
        }),
      ),
    );
    expect(events).toEqual(["room after 1", "room after 6"]);
    expect(appended.flat()).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    expect(stored).toBe(appended.length);
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

describe("a worker's log writer (one for all its runs)", () => {
  const withWriter = (body: (writer: LogWriter, appended: string[][]) => Effect.Effect<void>) => {
    const { logs, appended } = recordingLogs();
    return Effect.runPromise(
      withTestClock((clock) =>
        Effect.gen(function* () {
          const writer = new LogWriter({ logs, clock });
          yield* Effect.forkScoped(writer.run);
          yield* body(writer, appended);
        }),
      ),
    );
  };

  it("stores a new run's first lines within LOG_GATHER_MS, and stores a run that ends sooner in one append", () =>
    withWriter((writer, appended) =>
      Effect.gen(function* () {
        const long = writer.open("long", 100, () => Effect.void);
        long.add(line("started"));
        yield* advance(LOG_GATHER_MS - 1);
        expect(appended).toEqual([]);
        const short = writer.open("short", 100, () => Effect.void);
        short.add(line("short started"));
        short.add(line("short completed"));
        yield* short.close;
        yield* advance(1);
        expect(appended).toEqual([["short started", "short completed"], ["started"]]);
      }),
    ));

  it("a log that stored lines already has its next ones stored at once, in order, across logs", () =>
    withWriter((writer, appended) =>
      Effect.gen(function* () {
        const a = writer.open("a", 100, () => Effect.void);
        a.add(line("a1"));
        yield* advance(LOG_GATHER_MS);
        a.add(line("a2"));
        a.add(line("a3"));
        yield* advance(0);
        const b = writer.open("b", 100, () => Effect.void);
        b.add(line("b1"));
        a.add(line("a4"));
        yield* advance(0);
        a.add(line("a5"));
        yield* a.close;
        expect(appended).toEqual([["a1"], ["a2", "a3"], ["b1"], ["a4"], ["a5"]]);
      }),
    ));
});
