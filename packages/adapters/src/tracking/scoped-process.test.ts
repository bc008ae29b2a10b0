import { Effect, Stream } from "effect";
import { describe, expect, it } from "vitest";
import { spawnScoped } from "./scoped-process.js";
import { alive } from "./vision.testkit.js";

describe("spawnScoped", () => {
  it("kills a process that ignores SIGTERM once the grace period is over, and resumes after it is gone", async () => {
    const pid = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const child = yield* spawnScoped(process.execPath, ["-e", "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)"], 200);
          // Wait until it runs (and has installed its SIGTERM handler).
          yield* child.stdout.pipe(Stream.take(1), Stream.runDrain);
          expect(alive(child.pid)).toBe(true);
          return child.pid;
        }),
      ),
    );
    expect(alive(pid)).toBe(false);
  });

  it("fails to start a program that does not exist, with the system's reason", async () => {
    const exit = await Effect.runPromiseExit(Effect.scoped(spawnScoped("/nonexistent/program", [], 100)));
    expect(exit._tag).toBe("Failure");
    expect(String(exit._tag === "Failure" && exit.cause.reasons[0])).toContain("ENOENT");
  });
});
