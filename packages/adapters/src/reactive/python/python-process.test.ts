import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { PythonProcess } from "./python-process.js";

const hasPython = spawnSync("python3", ["--version"]).status === 0;
/** The first interpreter (the default one, else the system's) that has `module`. */
const pythonWith = (module: string) => ["python3", "/usr/bin/python3"].find((bin) => spawnSync(bin, ["-c", `import ${module}`]).status === 0);
const pandasPython = pythonWith("pandas");
const matplotlibPython = pythonWith("matplotlib");
if (!hasPython) console.warn("python-process test skipped: python3 not found");
if (!pandasPython) console.warn("pandas table output not tested: no python3 here has pandas");
if (!matplotlibPython) console.warn("matplotlib image output not tested: no python3 here has matplotlib");

async function runWith(pythonBin: string, code: string) {
  const kernel = new PythonProcess({ pythonBin, timeoutMs: 30_000 });
  try {
    return await kernel.run("t", code, [], () => undefined);
  } finally {
    await kernel.close();
  }
}

describe.skipIf(!hasPython)("PythonProcess", () => {
  const kernel = new PythonProcess({ pythonBin: "python3", timeoutMs: 5_000 });
  afterAll(() => kernel.close());

  async function run(code: string, deleteFirst: string[] = [], signal?: AbortSignal) {
    let stdout = "";
    let stderr = "";
    const result = await kernel.run("t", code, deleteFirst, (stream, text) => (stream === "stdout" ? (stdout += text) : (stderr += text)), signal);
    return { ...result, stdout, stderr };
  }

  it("keeps one namespace across cells and turns the last expression into text/plain", async () => {
    expect(await run("a = [1, 2]")).toMatchObject({ status: "success", outputs: [] });
    expect(await run("print('len', len(a))\na + [3]")).toMatchObject({
      status: "success",
      stdout: "len 2\n",
      outputs: [{ mime_type: "text/plain", data: "[1, 2, 3]", metadata: {} }],
    });
    expect((await run("None")).outputs).toEqual([]);
  });

  it("keeps the protocol private: input() sees an empty stdin and os-level writes do not corrupt it", async () => {
    const result = await run("import os\nos.write(1, b'raw\\n')\ntry:\n    input()\nexcept EOFError:\n    print('eof')");
    expect(result).toMatchObject({ status: "success", stdout: "eof\n" });
    expect((await run("21 * 2")).outputs[0]?.data).toBe("42");
  });

  it("keeps names with one leading underscore private to their cell", async () => {
    const kernel2 = new PythonProcess({ pythonBin: "python3", timeoutMs: 5_000 });
    try {
      const inCell = (id: string, code: string) => kernel2.run(id, code, [], () => undefined);
      expect(await inCell("a", "_secret = 1\nimport os as _os\ndef _helper(_n):\n    return _n + _secret\npublic = _helper(1)\n_os.sep")).toMatchObject({
        status: "success",
        outputs: [{ data: "'/'" }],
      });
      expect((await inCell("b", "_secret")).error).toBe("NameError: name '_secret' is not defined");
      expect((await inCell("b", "public + len(__name__)")).outputs[0]?.data).toBe("10");
      expect((await inCell("a", "[_x for _x in range(_secret + 2)]")).outputs[0]?.data).toBe("[0, 1, 2]");
      const classCell = "class _K:\n    _hidden = 2\n    def _m(self, _k=_secret):\n        return self._hidden + _k\n_K()._m()";
      expect((await inCell("a", classCell)).outputs[0]?.data).toBe("3");
    } finally {
      await kernel2.close();
    }
  });

  it("streams whole lines, and a partial line on flush or at the end of the cell", async () => {
    const chunks: string[] = [];
    // Pauses between writes: chunks that arrive in one read reach the host joined.
    const code = "import time\nprint('a', end='')\nprint('b')\ntime.sleep(0.2)\nprint('c', end='', flush=True)\ntime.sleep(0.2)\nprint('d', end='')";
    await kernel.run("t", code, [], (_stream, text) => chunks.push(text));
    expect(chunks).toEqual(["ab\n", "c", "d"]);
  });

  it("renders objects with _repr_html_ as text/html", async () => {
    const result = await run("class H:\n    def _repr_html_(self):\n        return '<b>hi</b>'\nH()");
    expect(result.outputs).toEqual([{ mime_type: "text/html", data: "<b>hi</b>", metadata: {} }]);
  });

  it("reports exceptions as `Name: message` with the traceback on stderr", async () => {
    const result = await run("def f():\n    raise KeyError('k')\nf()");
    expect(result).toMatchObject({ status: "error", error: "KeyError: 'k'" });
    expect(result.stderr).toMatch(/Traceback[\s\S]*<cell t>[\s\S]*KeyError/);
    expect((await run("def broken(:\n  pass")).error).toMatch(/^SyntaxError/);
  });

  it("deletes names it is told to forget before a run", async () => {
    await run("gone = 1");
    kernel.forget(["gone"]);
    expect((await run("gone")).error).toBe("NameError: name 'gone' is not defined");
    await run("again = 1");
    expect((await run("again", ["again"])).error).toBe("NameError: name 'again' is not defined");
  });

  it("interrupts a running cell on abort and stays usable", async () => {
    const controller = new AbortController();
    const running = run("import time\nprint('started', flush=True)\ntime.sleep(30)", [], controller.signal);
    await expect.poll(() => kernel.pid() !== undefined).toBe(true);
    setTimeout(() => controller.abort(), 300);
    expect((await running).error).toBe("KeyboardInterrupt");
    expect((await run("1 + 1")).outputs[0]?.data).toBe("2");
  });

  it("hands values to SQL parameters as JSON", async () => {
    await run("n = 3\ns = 'x'\nt = (1, 2)");
    expect(await kernel.values(["n", "s", "t", "missing"])).toEqual({ values: { n: 3, s: "x", t: [1, 2] }, missing: ["missing"] });
  });

  it.skipIf(!pandasPython)("turns a pandas DataFrame into a table, capped at 1,000 rows", async () => {
    const result = await runWith(pandasPython!, "import pandas as pd\npd.DataFrame({'a': [1, 2], 'b': ['x', None]})");
    expect(result.outputs).toEqual([{ mime_type: "application/json", data: { type: "table", columns: ["a", "b"], rows: [[1, "x"], [2, null]] }, metadata: {} }]);
    const big = await runWith(pandasPython!, "import pandas as pd\npd.DataFrame({'n': range(1500)})");
    expect(big.outputs[0]?.data).toMatchObject({ truncated: true, total_rows: 1500 });
    expect((big.outputs[0]?.data as { rows: unknown[] }).rows).toHaveLength(1000);
  });

  it.skipIf(!matplotlibPython)("turns a matplotlib figure into image/png", async () => {
    const result = await runWith(matplotlibPython!, "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2])\nfig");
    expect(result.outputs[0]?.mime_type).toBe("image/png");
    expect(Buffer.from(String(result.outputs[0]?.data), "base64").subarray(1, 4).toString()).toBe("PNG");
  });
});
