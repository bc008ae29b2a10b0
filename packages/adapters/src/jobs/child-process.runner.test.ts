import { Effect, Exit, Fiber, Stream } from "effect";
import { describe, expect, it } from "vitest";
import type { ProcessLine, ProcessSpec } from "@parallax/application/jobs";
import { ChildProcessRunner, groupAlive } from "./child-process.runner.js";
import { linesOf } from "./process-lines.js";

const runner = new ChildProcessRunner({ killGraceMs: 1_000 });

/** Runs to the exit, reading every line; `onLine` sees each as it arrives. */
const runToExit = (spec: ProcessSpec, onLine: (line: ProcessLine) => void = () => {}, using = runner) =>
  Effect.scoped(
    Effect.gen(function* () {
      const process = yield* using.run(spec);
      yield* Stream.runForEach(process.lines, (line) => Effect.sync(() => onLine(line)));
      return yield* process.exit;
    }),
  );

async function until(probe: () => boolean): Promise<void> {
  while (!probe()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe("ChildProcessRunner", () => {
  it("runs argv without a shell and streams stdout and stderr as lines", async () => {
    const lines: ProcessLine[] = [];
    const exit = await Effect.runPromise(
      runToExit({ command: ["sh", "-c", 'printf "a\\nb"; echo "err" >&2; echo "$1"; exit 3', "sh", "$(not expanded) ; x"], cwd: ".", env: {} }, (line) => lines.push(line)),
    );
    expect(exit).toEqual({ exitCode: 3, signal: null });
    expect(lines.filter((line) => line.stream === "stdout").map((line) => line.message)).toEqual(["a", "b$(not expanded) ; x"]);
    expect(lines.find((line) => line.stream === "stderr")?.message).toBe("err");
  });

  it("cuts over-long lines into pieces and ends lines at CRLF and a lone CR", async () => {
    const lines: string[] = [];
    const short = new ChildProcessRunner({ killGraceMs: 1_000, maxLineChars: 4 });
    await Effect.runPromise(runToExit({ command: ["printf", "ab\\342\\202\\254\\r\\nlongerline\\nbar\\rx"], cwd: ".", env: {} }, (line) => lines.push(line.message), short));
    expect(lines).toEqual(["ab€", "long", "erli", "ne", "bar", "x"]);
  });

  it("reports a program that cannot start", async () => {
    const exit = await Effect.runPromiseExit(runToExit({ command: ["/definitely/not/here"], cwd: ".", env: {} }));
    expect(Exit.isFailure(exit)).toBe(true);
    expect(JSON.stringify(exit)).toContain("SpawnFailed");
  });

  it("interrupting stops the whole process group, children included", async () => {
    let pid: number | undefined;
    const fiber = Effect.runFork(runToExit({ command: ["sh", "-c", "echo $$; sleep 100 & sleep 100"], cwd: ".", env: {} }, (line) => (pid ??= Number(line.message))));
    await until(() => pid !== undefined);
    expect(pid).toBeGreaterThan(0);
    expect(groupAlive(pid!)).toBe(true);
    await Effect.runPromise(Fiber.interrupt(fiber));
    expect(groupAlive(pid!)).toBe(false);
  });

  it("escalates to SIGKILL when the group ignores SIGTERM", async () => {
    let pid: number | undefined;
    const stubborn = new ChildProcessRunner({ killGraceMs: 200 });
    const fiber = Effect.runFork(runToExit({ command: ["sh", "-c", "trap '' TERM; echo $$; sleep 100"], cwd: ".", env: {} }, (line) => (pid ??= Number(line.message)), stubborn));
    await until(() => pid !== undefined);
    await Effect.runPromise(Fiber.interrupt(fiber));
    expect(groupAlive(pid!)).toBe(false);
  });
});

describe("linesOf", () => {
  it("decodes UTF-8 split across chunks and bounds every line", async () => {
    const euro = Buffer.from("€");
    const chunks = [Buffer.concat([Buffer.from("ab"), euro.subarray(0, 1)]), Buffer.concat([euro.subarray(1), Buffer.from("\r\nlongerline\nx")])];
    const lines = await Effect.runPromise(Stream.runCollect(linesOf(Stream.fromIterable(chunks), "stdout", 4)));
    expect(lines.map((line) => line.message)).toEqual(["ab€", "long", "erli", "ne", "x"]);
  });
});
