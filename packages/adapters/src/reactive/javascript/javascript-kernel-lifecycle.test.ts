import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { processAlive as alive } from "../../shared/process-group.js";
import { runCell } from "../language-kernel.testkit.js";
import { JavaScriptKernel } from "./javascript-kernel.js";

/** Starts `sleep 100` from the cell (which reaches the kernel's `process`) and prints its pid. */
const SPAWNS = `const proc = console.log.constructor.constructor("return process")();
const sleeper = proc.getBuiltinModule("node:child_process").spawn("sleep", ["100"]);
console.log(sleeper.pid);`;

/** A process's group and session, from /proc. */
function groupAndSession(pid: number): { group: number; session: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { group: Number(fields[2]), session: Number(fields[3]) };
}

const kernels: JavaScriptKernel[] = [];
afterAll(() => Promise.all(kernels.map((kernel) => kernel.close())));

function kernel(timeoutMs = 10_000): JavaScriptKernel {
  const made = new JavaScriptKernel({ timeoutMs, graceMs: 300 });
  kernels.push(made);
  return made;
}

describe("JavaScript kernel lifecycle: a process of its own, and nothing a cell started outlives it", () => {
  it("runs in a process other than the host's, started once and kept across cells", async () => {
    const js = kernel();
    const pid = "console.log.constructor.constructor('return process')().pid";
    const first = (await runCell(js, pid)).shown[0]?.data;
    expect(Number(first)).not.toBe(process.pid);
    expect((await runCell(js, pid)).shown[0]?.data).toBe(first);
    expect(js.pid()).toBe(Number(first));
  });

  it("leads a process group of its own in the host's session (a session of its own would be an autogroup the scheduler serves apart)", async () => {
    const js = kernel();
    await runCell(js, "1");
    expect(groupAndSession(js.pid()!)).toEqual({ group: js.pid(), session: groupAndSession(process.pid).session });
  });

  it("an interrupt kills the kernel's process group, processes a cell started included; the next cell gets a fresh kernel", async () => {
    const js = kernel();
    const controller = new AbortController();
    let stdout = "";
    const running = runCell(js, `${SPAWNS}\nawait new Promise(() => {})`, { signal: controller.signal, onChunk: (_stream, text) => (stdout += text) });
    await expect.poll(() => stdout).toMatch(/^\d+\n$/);
    const sleeper = Number(stdout);
    const generation = js.generation;
    expect(alive(sleeper)).toBe(true);
    controller.abort();
    await expect(running).rejects.toThrow();
    await expect.poll(() => alive(sleeper)).toBe(false);
    expect(js.generation).not.toBe(generation);
    expect((await runCell(js, "1 + 1")).shown[0]?.data).toBe("2");
  });

  it("a cell the vm timeout cannot stop (a loop after an await) is ended with its process group at the timeout", async () => {
    const js = kernel(1_000);
    let stdout = "";
    const result = runCell(js, `${SPAWNS}\nawait null;\nwhile (true) {}`, { onChunk: (_stream, text) => (stdout += text) });
    expect((await result).error).toBe("TimeoutError: cell execution timed out after 1 s (kernel restarted)");
    await expect.poll(() => alive(Number(stdout))).toBe(false);
    expect((await runCell(js, "1 + 1")).shown[0]?.data).toBe("2");
  });

  it("a straight-line cell (run without the vm's watchdog) that hangs in a getter is ended with the kernel at the timeout", async () => {
    const js = kernel(1_000);
    await runCell(js, "const trap = { get value() { while (true) {} } };");
    expect((await runCell(js, "const read = trap.value;")).error).toBe("TimeoutError: cell execution timed out after 1 s (kernel restarted)");
    expect((await runCell(js, "typeof trap")).shown[0]?.data).toBe("undefined");
  });

  it("a kernel that dies in a cell fails that cell; one that dies between cells is restarted on the next, which says so", async () => {
    const js = kernel();
    const exited = await runCell(js, "console.log.constructor.constructor('return process')().exit(3)");
    expect(exited).toMatchObject({ status: "error", error: "kernel died (exit code 3)" });
    await runCell(js, "const before = 1;");
    process.kill(js.pid()!, "SIGKILL");
    await expect.poll(() => js.started).toBe(false);
    const after = await runCell(js, "typeof before");
    expect(after.stderr).toBe("[the JavaScript kernel had stopped between cells: kernel died (SIGKILL); this cell runs in a fresh JavaScript kernel, without the names defined before]\n");
    expect(after.shown.at(-1)?.data).toBe("undefined");
    expect((await runCell(js, "1")).stderr).toBe("");
  });

  it("a cell that exhausts the heap gets an error naming the limit, and the next cell a fresh kernel", async () => {
    const js = new JavaScriptKernel({ timeoutMs: 60_000, heapMb: 64 });
    kernels.push(js);
    const result = await runCell(js, "const hoard = [];\nwhile (true) hoard.push(new Array(100_000).fill(1));");
    expect(result).toMatchObject({ status: "error", error: "kernel died: the JavaScript heap limit (64 MB) was reached; the kernel restarts on the next run", stderr: "" });
    expect((await runCell(js, "typeof hoard")).shown[0]?.data).toBe("undefined");
  });

  it("close() ends the processes a cell started", async () => {
    const js = kernel();
    const started = await runCell(js, SPAWNS);
    const sleeper = Number(started.stdout);
    expect(alive(sleeper)).toBe(true);
    await js.close();
    expect(alive(sleeper)).toBe(false);
  });
});
