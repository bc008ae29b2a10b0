/**
 * IPython magics run by the notebook kernel, with a real python3: what a notebook copied from
 * Jupyter meets (`%matplotlib inline`, `!cmd`, `%time`, `%pip`, `%%sql`, `%%bash`...), and the
 * promises the kernel keeps around them: line numbers, output caps, the environment allowlist, and
 * no command outliving the cell's time limit.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import type { Output } from "@parallax/domain/notebook";
import { collectRun } from "@parallax/application/reactive";
import { pythonWith } from "../../../../tests/python-interpreters.testkit.js";
import { processAlive } from "../shared/process-group.js";
import { NotebookKernel, type NotebookKernelOptions } from "./notebook-kernel.js";

const python = pythonWith();
const matplotlib = pythonWith("matplotlib");
const work = mkdtempSync(join(tmpdir(), "parallax-magics-"));
const kernels: NotebookKernel[] = [];
afterAll(async () => {
  await Promise.all(kernels.map((kernel) => Effect.runPromise(kernel.shutdown())));
  rmSync(work, { recursive: true, force: true });
});

function notebook(options: Partial<NotebookKernelOptions> = {}) {
  const kernel = new NotebookKernel({ pythonBin: python!, timeoutMs: 60_000, notebookId: "magics", dbConnString: null, ...options });
  kernels.push(kernel);
  const run = async (code: string) => {
    const { chunks, result } = await Effect.runPromise(collectRun(kernel.run({ id: "c", language: "python", code, reads: [], writes: [] })));
    const text = (name: string) => chunks.filter(([stream]) => stream === name).map(([, chunk]) => chunk).join("");
    return { ...result, stdout: text("stdout"), stderr: text("stderr") };
  };
  return Object.assign(run, { kernel });
}

const plain = (outputs: readonly Output[]) => outputs.flatMap((output) => ("data" in output ? [String(output.data["text/plain"])] : []));
const errorOf = (outputs: readonly Output[]) => outputs.find((output) => output.output_type === "error");

/** Processes below `root`, from /proc (Linux): the commands a kernel started. */
function descendants(root: number): Array<{ pid: number; name: string }> {
  const parents = new Map<number, { ppid: number; name: string }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parents.set(Number(entry), { ppid: Number(fields[1]), name: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) });
    } catch {
      // Gone while listed.
    }
  }
  const found: Array<{ pid: number; name: string }> = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const [pid, info] of parents) {
      if (info.ppid !== parent) continue;
      found.push({ pid, name: info.name });
      frontier.push(pid);
    }
  }
  return found;
}

describe.skipIf(!python)("magics in the notebook kernel", () => {
  it("streams `!cmd` as stdout, and `x = !cmd` keeps its lines for later cells", async () => {
    const run = notebook();
    const echoed = await run("!echo hi");
    expect(echoed).toMatchObject({ status: "success", stdout: "hi\n" });
    expect((await run("files = !printf 'a\\nb\\n'")).status).toBe("success");
    expect(plain((await run("files")).outputs)).toEqual(["['a', 'b']"]);
  });

  it("expands {expression} and $name in a command from the cell's namespace, its private names too", async () => {
    const run = notebook();
    expect((await run("n = 2\n_m = 3\n!echo {n * 10} $n {_m} $HOME_IS_THE_SHELLS")).stdout).toBe("20 2 3\n");
  });

  it("`%time x = 2 + 2` defines x and prints IPython's timing lines; `%time expr` shows the value", async () => {
    const run = notebook();
    const timed = await run("%time x = 2 + 2");
    expect(timed.status).toBe("success");
    expect(timed.stdout).toMatch(/^CPU times: user .+, sys: .+, total: .+\nWall time: .+\n$/);
    expect(plain((await run("x")).outputs)).toEqual(["4"]);
    expect(plain((await run("%time x * 10")).outputs)).toEqual(["40"]);
  });

  it("`%timeit -n 1 -r 1 stmt` and `%%timeit` print a timing line; `-o` returns the result", async () => {
    const run = notebook();
    expect((await run("%timeit -n 1 -r 1 sum(range(10))")).stdout).toMatch(/^\S+ .?s ± \S+ .?s per loop \(mean ± std\. dev\. of 1 run, 1 loop each\)\n$/);
    expect((await run("%%timeit -n 2 -r 3 a = [1]\na * 2")).stdout).toMatch(/ per loop \(mean ± std\. dev\. of 3 runs, 2 loops each\)\n$/);
    expect(plain((await run("t = %timeit -q -o -n 1 -r 2 pass\n(t.loops, t.repeat)")).outputs)).toEqual(["(1, 2)"]);
  });

  it("`%%time` runs its body in the namespace, prints the timing, then shows the last value", async () => {
    const run = notebook();
    const timed = await run("%%time\nz = 5\nz * 2");
    expect(timed.stdout).toMatch(/^CPU times: .+\nWall time: .+\n$/);
    expect(plain(timed.outputs)).toEqual(["10"]);
    expect(plain((await run("z")).outputs)).toEqual(["5"]);
  });

  it("`%%capture out` holds what the body writes and shows, and binds it to out", async () => {
    const run = notebook();
    const captured = await run("%%capture out\nprint('held')\n42");
    expect(captured).toMatchObject({ status: "success", outputs: [], stdout: "" });
    expect(plain((await run("(out.stdout, [o.data['text/plain'] for o in out.outputs])")).outputs)).toEqual(["('held\\n', ['42'])"]);
    const shown = await run("out.show()");
    expect(shown.stdout).toBe("held\n");
    expect(plain(shown.outputs)).toEqual(["42"]);
  });

  it("`%pip --version` streams pip's answer", async () => {
    const result = await notebook()("%pip --version");
    expect(result.status, result.error).toBe("success");
    expect(result.stdout).toMatch(/^pip \d+/);
  });

  it("`%pip` without pip is a clear error, never a SyntaxError", async () => {
    const venv = join(work, "no-pip");
    const made = spawnSync(python!, ["-m", "venv", "--without-pip", venv]);
    if (made.status !== 0) return console.warn(`skipped: ${python} cannot make a venv without pip (${String(made.stderr).trim()})`);
    const result = await notebook({ pythonBin: join(venv, "bin", "python") })("%pip list");
    expect(result.status).toBe("error");
    expect(result.error).toMatch(/^UsageError: %pip: pip is not installed for .*no-pip/);
  });

  it("any other magic fails with `magic not supported: %name`", async () => {
    const run = notebook();
    const failed = await run("x = 1\n%load_ext foo");
    expect(failed.status).toBe("error");
    expect(errorOf(failed.outputs)).toMatchObject({ ename: "UsageError", evalue: "magic not supported: %load_ext" });
    expect(errorOf(failed.outputs)?.output_type === "error" && errorOf(failed.outputs)?.traceback.join("\n")).toContain("line 2");
    expect((await run("%%perl\nprint 1;")).error).toBe("UsageError: magic not supported: %%perl");
  });

  it("a `%%sql` cell runs its body in the notebook's SQL kernel, with `{name}` placeholders from Python", async () => {
    const run = notebook();
    await run("x = 41 + 1");
    const result = await run("%%sql\nSELECT {x} AS v");
    expect(result.status, result.error).toBe("success");
    expect(result.outputs).toMatchObject([{ output_type: "display_data", data: { "application/vnd.parallax.table+json": { columns: ["v"], rows: [[42]] } } }]);
  });

  it("`%%bash` streams its script's stdout and stderr; --out binds stdout instead", async () => {
    const run = notebook();
    expect(await run("%%bash\necho out-line\necho err-line >&2")).toMatchObject({ status: "success", stdout: "out-line\n", stderr: "err-line\n" });
    expect((await run("%%sh --out listing\necho kept")).stdout).toBe("");
    expect(plain((await run("listing")).outputs)).toEqual(["'kept\\n'"]);
    expect((await run("%%bash\nexit 3")).error).toMatch(/^CalledProcessError: .*exit status 3/);
  });

  it("`%%html` shows its body as text/html and `%%writefile` writes it in the kernel's file system", async () => {
    const run = notebook();
    expect((await run("%%html\n<b>hi</b>")).outputs).toMatchObject([{ output_type: "display_data", data: { "text/html": "<b>hi</b>" } }]);
    const path = join(work, "written.py");
    expect((await run(`%%writefile ${path}\nprint('from a file')`)).stdout).toBe(`Writing ${path}\n`);
    expect(readFileSync(path, "utf8")).toBe("print('from a file')\n");
  });

  it("a syntax error on line 3 after a magic on line 1 reports line 3, in a %%time body too", async () => {
    const run = notebook();
    expect((await run("%matplotlib inline\nx = 1\ny = (")).error).toMatch(/line 3\)$/);
    expect((await run("%%time\nx = 1\ny = (")).error).toMatch(/line 3\)$/);
    const failed = await run("!true\n\nundefined_name");
    expect(errorOf(failed.outputs)?.output_type === "error" && errorOf(failed.outputs)?.traceback).toEqual([
      "Traceback (most recent call last):",
      '  File "<cell c>", line 3, in <module>',
      "NameError: name 'undefined_name' is not defined",
    ]);
  });

  it("a command's output goes through the cell's stream cap", async () => {
    const result = await notebook({ maxStreamChars: 1_000 })("!seq 1 100000");
    expect(result.status).toBe("success");
    expect(result.stdout.length).toBeLessThan(1_100);
    expect(result.stdout).toContain("[output truncated at 1000 characters]");
  });

  it("a command sees the kernel's allowlisted environment, never the host's secrets", async () => {
    process.env["AWS_SECRET_ACCESS_KEY"] = "planted-secret";
    try {
      expect((await notebook()("!echo \"[$AWS_SECRET_ACCESS_KEY]\"")).stdout).toBe("[]\n");
    } finally {
      delete process.env["AWS_SECRET_ACCESS_KEY"];
    }
  });

  it.skipIf(!existsSync("/proc/self/stat"))("`!sleep 100` is stopped by the cell's time limit and leaves no sleep behind; the kernel lives on", async () => {
    const run = notebook({ timeoutMs: 1_500 });
    expect(plain((await run("import os\nos.getpid()")).outputs)).toHaveLength(1);
    const kernelPid = run.kernel.python.pid()!;
    const pending = run("!sleep 100");
    await expect.poll(() => descendants(kernelPid).filter((process) => process.name === "sleep").length, { timeout: 10_000 }).toBe(1);
    const [sleep] = descendants(kernelPid).filter((process) => process.name === "sleep");
    const result = await pending;
    expect(result.error).toBe("TimeoutError: cell execution timed out after 1.5 s");
    // SIGKILL is delivered asynchronously: on a loaded machine the process may take a moment to go.
    await expect.poll(() => processAlive(sleep!.pid), { timeout: 5_000 }).toBe(false);
    await expect.poll(() => descendants(kernelPid), { timeout: 5_000 }).toEqual([]);
    expect(run.kernel.python.pid()).toBe(kernelPid);
    expect(plain((await run("1 + 1")).outputs)).toEqual(["2"]);
  });
});

describe.skipIf(!matplotlib)("%matplotlib inline", () => {
  it("is a no-op: plt.plot then renders one image/png output, with no error", async () => {
    const run = notebook({ pythonBin: matplotlib! });
    const result = await run("%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3]);");
    expect(result.status, result.error).toBe("success");
    expect(result.outputs.filter((output) => "data" in output && "image/png" in output.data)).toHaveLength(1);
    expect(errorOf(result.outputs)).toBeUndefined();
  });

  it("figures a %%capture body makes are held with its outputs", async () => {
    const run = notebook({ pythonBin: matplotlib! });
    expect((await run("%%capture figures\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])")).outputs).toEqual([]);
    expect(plain((await run("len(figures.outputs)")).outputs)).toEqual(["2"]);
  });
});
