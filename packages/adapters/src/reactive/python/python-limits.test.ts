import { spawnSync } from "node:child_process";
import { Effect } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import { collectRun } from "@parallax/application/reactive";
import { runCell } from "../language-kernel.testkit.js";
import { NotebookKernel } from "../notebook-kernel.js";
import { PythonProcess, type PythonProcessOptions } from "./python-process.js";

const hasPython = spawnSync("python3", ["--version"]).status === 0;
if (!hasPython) console.warn("python-limits test skipped: python3 not found");

const kernels: PythonProcess[] = [];
afterAll(() => Promise.all(kernels.map((kernel) => kernel.close())));

function kernel(options: Partial<PythonProcessOptions> = {}) {
  const created = new PythonProcess({ pythonBin: "python3", timeoutMs: 60_000, ...options });
  kernels.push(created);
  return Object.assign((code: string) => runCell(created, code), { process: created });
}

/** A cell that writes one protocol line of `megabytes` MB itself, as the driver never would, then exits. */
const rawLine = (megabytes: number, head: string) =>
  `import __main__, os\np = __main__._protocol\np.write(b'${head}')\nfor _ in range(${megabytes}):\n    p.write(b'x' * 1_000_000)\np.write(b'"}]}\\n')\np.flush()\nos._exit(0)`;

describe.skipIf(!hasPython)("PythonProcess output caps", () => {
  it("turns a 300 MB last value into its first 10 MiB and a note (it used to stall or crash the host)", async () => {
    const run = kernel();
    const result = await run("'x' * 300_000_000");
    expect(result.status).toBe("success");
    const [output, ...rest] = result.shown;
    expect(rest).toEqual([]);
    expect(result.outputs).toMatchObject([{ output_type: "execute_result", data: { "text/plain": output?.data } }]);
    const text = String(output?.data);
    expect(text.startsWith("'xxxx")).toBe(true);
    expect(text.endsWith("\n[output truncated: 286.1 MiB > 10 MiB limit]")).toBe(true);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(10 * 1024 * 1024);
    expect((await run("1 + 1")).shown[0]?.data).toBe("2");
  });

  it("reads a 600 MB protocol line without holding it: the run ends with a note and the kernel restarts", async () => {
    const run = kernel();
    const result = await run(rawLine(600, '{"type": "done", "status": "success", "error": "'));
    const note = "[output truncated: 572.2 MiB > 20.1 MiB limit]";
    expect(result).toMatchObject({ status: "success", outputs: [{ output_type: "display_data", data: { "text/plain": note } }] });
    await expect.poll(() => run.process.pid()).toBeUndefined();
    expect((await run("'alive'")).shown[0]?.data).toBe("'alive'");
  });

  it("reads an over-long output line as a note in its place", async () => {
    const run = kernel({ maxOutputBytes: 4096 });
    const result = await run(rawLine(3, '{"type": "output", "output": {"output_type": "display_data", "data": {"text/plain": "'));
    expect(result).toMatchObject({ status: "error", error: "kernel died", outputs: [{ output_type: "display_data", data: { "text/plain": "[output truncated: 2.9 MiB > 1.1 MiB limit]" } }] });
  });

  it("reads an over-long stream line as a note in the stream", async () => {
    const run = kernel({ maxOutputBytes: 4096 });
    const result = await run(rawLine(3, '{"type": "stream", "name": "stdout", "text": "'));
    expect(result.stdout).toBe("[output truncated: 2.9 MiB > 1.1 MiB limit]\n");
  });

  it("caps HTML, images and error messages as well as text", async () => {
    const run = kernel({ maxOutputBytes: 4096 });
    const html = await run("class H:\n    def _repr_html_(self):\n        return '<p>' * 10_000\nH()");
    // The HTML is dropped from the result's bundle; its note takes the place of the text/plain repr.
    expect(html.outputs).toEqual([{ output_type: "execute_result", execution_count: null, data: { "text/plain": "[output not shown: text/html 29.3 KiB > 4 KiB limit]" }, metadata: {} }]);
    const image = await run("class I:\n    def _repr_png_(self):\n        return b'p' * 10_000\nI()");
    expect(image.shown).toEqual([{ mime_type: "text/plain", data: "[output not shown: image/png 13 KiB > 4 KiB limit]", metadata: {} }]);
    const failed = await run("raise ValueError('v' * 100_000)");
    expect(failed.status).toBe("error");
    expect(failed.error).toMatch(/^ValueError: v+\n\[output truncated: 97.7 KiB > 4 KiB limit\]$/);
    expect(Buffer.byteLength(failed.error!)).toBeLessThanOrEqual(4096);
    const [error] = failed.outputs;
    expect(error).toMatchObject({ output_type: "error", ename: "ValueError" });
    expect(Buffer.byteLength(error?.output_type === "error" ? error.traceback.join("\n") : "")).toBeLessThanOrEqual(4096);
  });

  it("keeps a cell's streams to their budget, sent in bounded chunks, with one note", async () => {
    const run = kernel({ maxStreamChars: 100_000 });
    const lines = await run("for i in range(100_000):\n    print('y' * 99)");
    expect(lines.stdout).toHaveLength(100_000 + "\n[output truncated at 100000 characters]\n".length);
    expect(lines.stdout.endsWith("y\n\n[output truncated at 100000 characters]\n")).toBe(true);
    const oneLine = await run("import sys\nsys.stdout.write('z' * 50_000_000)\nsys.stderr.write('after')");
    // The driver sends 64 Ki-character pieces; the host joins those of one read (a line may straddle two).
    expect(Math.max(...oneLine.chunks.map((chunk) => chunk.length))).toBeLessThanOrEqual(2 * 65_536);
    expect(oneLine.stdout).toBe(`${"z".repeat(100_000)}\n[output truncated at 100000 characters]\n`);
  });

  it("refuses to hand a value larger than an output to SQL", async () => {
    const run = kernel({ maxOutputBytes: 4096 });
    await run("small = 'ok'\nbig = 'b' * 10_000");
    expect(await Effect.runPromise(run.process.values(["small", "big", "nope"]))).toEqual({ values: { small: "ok" }, missing: ["nope"] });
  });

  it("a SQL cell naming a Python value too large to bind fails with a clear error", async () => {
    const notebook = new NotebookKernel({ pythonBin: "python3", timeoutMs: 10_000, maxOutputBytes: 4096, notebookId: "n", dbConnString: null });
    const cell = (language: "python" | "sql", code: string) => Effect.runPromise(collectRun(notebook.run({ id: "c", language, code, reads: [], writes: [] }))).then(({ result }) => result);
    try {
      await cell("python", "big = 'b' * 10_000");
      expect((await cell("sql", "SELECT {big} AS b")).error).toBe("ValueError: 'big' is too large to bind as a query parameter");
    } finally {
      await Effect.runPromise(notebook.shutdown());
    }
  });
});
