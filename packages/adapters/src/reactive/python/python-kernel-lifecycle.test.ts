import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { processAlive as alive } from "../../shared/process-group.js";
import { runCell } from "../language-kernel.testkit.js";
import { PythonProcess } from "./python-process.js";

const hasPython = spawnSync("python3", ["--version"]).status === 0;
if (!hasPython) console.warn("python-kernel-lifecycle test skipped: python3 not found");

/** Forks two ways, prints both pids, and (unless told otherwise) returns at once. */
const FORKS = `import os, subprocess, time
child = subprocess.Popen(['sleep', '100'])
forked = os.fork()
if forked == 0:
    time.sleep(100)
    os._exit(0)
print(child.pid, forked, flush=True)`;

const pids = (stdout: string) => stdout.trim().split(/\s+/).map(Number);
const work = mkdtempSync(join(tmpdir(), "parallax-kernel-lifecycle-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!hasPython)("python kernel lifecycle: nothing a cell started outlives its kernel", () => {
  async function forkingKernel(options: { timeoutMs?: number; extra?: string } = {}) {
    const kernel = new PythonProcess({ pythonBin: "python3", timeoutMs: options.timeoutMs ?? 10_000, interruptGraceMs: 300 });
    let stdout = "";
    const result = runCell(kernel, `${FORKS}\n${options.extra ?? ""}`, { onChunk: (_stream, text) => (stdout += text) });
    await expect.poll(() => pids(stdout).length).toBe(2);
    const started = pids(stdout);
    expect(started.every(alive)).toBe(true);
    return { kernel, result, started };
  }

  it("close() ends the processes a cell forked (subprocess and os.fork)", async () => {
    const { kernel, result, started } = await forkingKernel();
    expect((await result).status).toBe("success");
    await kernel.close();
    expect(started.filter(alive)).toEqual([]);
  });

  it("a cell that ignores the interrupt past its timeout restarts the kernel: its forks and threads end", async () => {
    const ticks = join(work, "ticks");
    const thread = `import signal, threading\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ndef tick():\n    while True:\n        open(${JSON.stringify(ticks)}, 'a').write('.')\n        time.sleep(0.01)\nthreading.Thread(target=tick, daemon=False).start()\ntime.sleep(100)`;
    const { kernel, result, started } = await forkingKernel({ timeoutMs: 1_000, extra: thread });
    expect((await result).error).toBe("TimeoutError: cell execution timed out after 1 s (kernel restarted)");
    await expect.poll(() => started.filter(alive)).toEqual([]);
    const size = statSync(ticks).size;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(statSync(ticks).size).toBe(size);
    expect((await runCell(kernel, "'fresh'")).shown[0]?.data).toBe("'fresh'");
    await kernel.close();
  });

  it("a kernel that dies takes its forks with it", async () => {
    const { kernel, result, started } = await forkingKernel({ extra: "time.sleep(0.5)\nos._exit(3)" });
    expect((await result).error).toBe("kernel died");
    await expect.poll(() => started.filter(alive)).toEqual([]);
    await kernel.close();
  });

  it("a host killed with SIGKILL in the middle of a cell leaves no kernel and no fork behind", async () => {
    const source = join(import.meta.dirname, "python-process.ts");
    const script = `import { Effect, Stream } from "effect";
import { PythonProcess } from ${JSON.stringify(source)};
const kernel = new PythonProcess({ pythonBin: "python3", timeoutMs: 60_000 });
const events = kernel.run("t", ${JSON.stringify(`${FORKS}\nprint(os.getpid(), flush=True)\ntime.sleep(100)`)}, []);
await Effect.runPromise(Stream.runForEach(events, (event) => Effect.sync(() => event.type === "stream" && process.stdout.write(event.text))));`;
    const host = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    host.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    await expect.poll(() => pids(stdout).length, { timeout: 20_000 }).toBe(3);
    const started = pids(stdout);
    expect(started.every(alive)).toBe(true);
    host.kill("SIGKILL");
    await expect.poll(() => started.filter(alive), { timeout: 5_000 }).toEqual([]);
  });
});
