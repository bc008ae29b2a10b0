import { Effect, Exit, Fiber } from "effect";
import { describe, expect, it } from "vitest";
import type { LogEntry } from "@parallax/application/jobs";
import { ChildProcessRunner, groupAlive } from "./child-process.runner.js";
import { LineSplitter } from "./line-splitter.js";

const runner = new ChildProcessRunner({ killGraceMs: 1_000 });

describe("ChildProcessRunner", () => {
  it("runs argv without a shell and splits stdout and stderr into lines", async () => {
    const lines: LogEntry[] = [];
    const exit = await Effect.runPromise(
      runner.run({ command: ["sh", "-c", 'printf "a\\nb"; echo "err" >&2; echo "$1"; exit 3', "sh", "$(not expanded) ; x"], cwd: ".", env: {}, onLine: (line) => lines.push(line) }),
    );
    expect(exit).toEqual({ exitCode: 3, signal: null });
    expect(lines.filter((line) => line.stream === "stdout").map((line) => line.message)).toEqual(["a", "b$(not expanded) ; x"]);
    expect(lines.find((line) => line.stream === "stderr")?.message).toBe("err");
    expect(Number.isNaN(Date.parse(lines[0]!.timestamp))).toBe(false);
  });

  it("reports a program that cannot start", async () => {
    const exit = await Effect.runPromiseExit(runner.run({ command: ["/definitely/not/here"], cwd: ".", env: {}, onLine: () => {} }));
    expect(Exit.isFailure(exit)).toBe(true);
    expect(JSON.stringify(exit)).toContain("SpawnFailed");
  });

  it("interrupting stops the whole process group, children included", async () => {
    let pid: number | undefined;
    const fiber = Effect.runFork(
      runner.run({ command: ["sh", "-c", "echo $$; sleep 100 & sleep 100"], cwd: ".", env: {}, onLine: (line) => (pid ??= Number(line.message)) }),
    );
    const deadline = Date.now() + 5_000;
    while (pid === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(pid).toBeGreaterThan(0);
    expect(groupAlive(pid!)).toBe(true);
    await Effect.runPromise(Fiber.interrupt(fiber));
    expect(groupAlive(pid!)).toBe(false);
  });

  it("escalates to SIGKILL when the group ignores SIGTERM", async () => {
    let pid: number | undefined;
    const stubborn = new ChildProcessRunner({ killGraceMs: 200 });
    const fiber = Effect.runFork(
      stubborn.run({ command: ["sh", "-c", "trap '' TERM; echo $$; sleep 100"], cwd: ".", env: {}, onLine: (line) => (pid ??= Number(line.message)) }),
    );
    const deadline = Date.now() + 5_000;
    while (pid === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await Effect.runPromise(Fiber.interrupt(fiber));
    expect(groupAlive(pid!)).toBe(false);
  });
});

describe("LineSplitter", () => {
  it("bounds memory by cutting over-long lines and handles split UTF-8 and CRLF", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter("stdout", (entry) => lines.push(entry.message), 4);
    const euro = Buffer.from("€");
    splitter.push(Buffer.concat([Buffer.from("ab"), euro.subarray(0, 1)]));
    splitter.push(Buffer.concat([euro.subarray(1), Buffer.from("\r\nlongerline\nx")]));
    splitter.end();
    expect(lines).toEqual(["ab€", "long", "erli", "ne", "x"]);
  });
});
