import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { PythonProcess } from "./python-process.js";

const hasPython = spawnSync("python3", ["--version"]).status === 0;
const hasModule = (name: string) => hasPython && spawnSync("python3", ["-c", `import ${name}`]).status === 0;
const hasPandas = hasModule("pandas");
const hasMatplotlib = hasModule("matplotlib");
if (!hasPython) console.warn("python-process test skipped: python3 not found");
if (!hasPandas) console.warn("pandas table output not tested: pandas is not installed");
if (!hasMatplotlib) console.warn("matplotlib image output not tested: matplotlib is not installed");

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

  it.skipIf(!hasPandas)("turns a pandas DataFrame into a table", async () => {
    const result = await run("import pandas as pd\npd.DataFrame({'a': [1, 2], 'b': ['x', 'y']})");
    expect(result.outputs).toEqual([{ mime_type: "application/json", data: { type: "table", columns: ["a", "b"], rows: [[1, "x"], [2, "y"]] }, metadata: {} }]);
  });

  it.skipIf(!hasMatplotlib)("turns a matplotlib figure into image/png", async () => {
    const result = await run("import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2])\nfig");
    expect(result.outputs[0]?.mime_type).toBe("image/png");
  });
});
