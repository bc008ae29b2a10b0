import { spawnSync } from "node:child_process";
import { Effect } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import type { Output } from "@parallax/domain/notebook";
import { TABLE_MIME } from "@parallax/domain/reactive";
import type { KernelRunResult } from "@parallax/application/reactive";
import { pythonWith } from "../../../../../tests/python-interpreters.testkit.js";
import { languageKernelContract, runCell, type KernelDialect } from "../language-kernel.testkit.js";
import { PythonProcess } from "./python-process.js";

const hasPython = spawnSync("python3", ["--version"]).status === 0;
const pandasPython = pythonWith("pandas");
const matplotlibPython = pythonWith("matplotlib");
if (!hasPython) console.warn("python-process test skipped: python3 not found");

/** The last value's bundle (the execute_result), if any. */
const result = (run: KernelRunResult) => run.outputs.find((output) => output.output_type === "execute_result")?.data;
const plain = (run: KernelRunResult) => result(run)?.["text/plain"];
const images = (outputs: readonly Output[]) =>
  outputs.flatMap((output) => (output.output_type === "display_data" || output.output_type === "execute_result") && output.data["image/png"] ? [output] : []);

async function runWith(pythonBin: string, code: string) {
  const kernel = new PythonProcess({ pythonBin, timeoutMs: 30_000 });
  try {
    return await runCell(kernel, code);
  } finally {
    await kernel.close();
  }
}

const python: KernelDialect = {
  assign: (name, value) => `${name} = ${JSON.stringify(value)}`,
  print: (text, stream = "stdout") => (stream === "stderr" ? `import sys; print(${JSON.stringify(text)}, file=sys.stderr)` : `print(${JSON.stringify(text)})`),
  raise: { code: "raise ValueError('boom')", ename: "ValueError" },
  notDefined: (name) => `NameError: name '${name}' is not defined`,
  waitForever: "import time\nprint('started', flush=True)\nwhile True:\n    time.sleep(1)",
  spin: "while True:\n    pass",
};

languageKernelContract("PythonProcess", python, ({ timeoutMs }) => new PythonProcess({ pythonBin: "python3", timeoutMs }), !hasPython);

describe.skipIf(!hasPython)("PythonProcess", () => {
  const kernel = new PythonProcess({ pythonBin: "python3", timeoutMs: 5_000 });
  afterAll(() => kernel.close());
  const run = (code: string) => runCell(kernel, code);

  it("keeps one namespace across cells; streams and the last value come as Jupyter stores them", async () => {
    expect(await run("a = [1, 2]")).toMatchObject({ status: "success", outputs: [] });
    expect(await run("print('len', len(a))\na + [3]")).toMatchObject({
      status: "success",
      stdout: "len 2\n",
      outputs: [
        { output_type: "stream", name: "stdout", text: "len 2\n" },
        { output_type: "execute_result", execution_count: null, data: { "text/plain": "[1, 2, 3]" }, metadata: {} },
      ],
    });
    expect((await run("None")).outputs).toEqual([]);
    expect((await run("a + [4];")).outputs).toEqual([]);
  });

  it("keeps the protocol private: input() sees an empty stdin and os-level writes do not corrupt it", async () => {
    const result = await run("import os\nos.write(1, b'raw\\n')\ntry:\n    input()\nexcept EOFError:\n    print('eof')");
    expect(result).toMatchObject({ status: "success", stdout: "eof\n" });
    expect(plain(await run("21 * 2"))).toBe("42");
  });

  it("keeps names with one leading underscore private to their cell", async () => {
    const kernel2 = new PythonProcess({ pythonBin: "python3", timeoutMs: 5_000 });
    try {
      const inCell = (id: string, code: string) => runCell(kernel2, code, { id });
      expect(await inCell("a", "_secret = 1\nimport os as _os\ndef _helper(_n):\n    return _n + _secret\npublic = _helper(1)\n_os.sep")).toMatchObject({
        status: "success",
        outputs: [{ data: { "text/plain": "'/'" } }],
      });
      expect((await inCell("b", "_secret")).error).toBe("NameError: name '_secret' is not defined");
      expect(plain(await inCell("b", "public + len(__name__)"))).toBe("10");
      expect(plain(await inCell("a", "[_x for _x in range(_secret + 2)]"))).toBe("[0, 1, 2]");
      const classCell = "class _K:\n    _hidden = 2\n    def _m(self, _k=_secret):\n        return self._hidden + _k\n_K()._m()";
      expect(plain(await inCell("a", classCell))).toBe("3");
    } finally {
      await kernel2.close();
    }
  });

  it("streams whole lines, and a partial line on flush or at the end of the cell", async () => {
    // Pauses between writes: chunks that arrive in one read reach the host joined.
    const code = "import time\nprint('a', end='')\nprint('b')\ntime.sleep(0.2)\nprint('c', end='', flush=True)\ntime.sleep(0.2)\nprint('d', end='')";
    expect((await run(code)).chunks).toEqual(["ab\n", "c", "d"]);
  });

  it("gives the last value one bundle: text/plain and the object's richer representations", async () => {
    const ran = await run("class H:\n    def _repr_html_(self):\n        return '<b>hi</b>'\n    def __repr__(self):\n        return 'H()'\nH()");
    expect(ran.outputs).toEqual([{ output_type: "execute_result", execution_count: null, data: { "text/html": "<b>hi</b>", "text/plain": "H()" }, metadata: {} }]);
  });

  it("reports exceptions as `Name: message` and an error output with the cell's traceback, line by line", async () => {
    const ran = await run("print('before')\ndef f():\n    raise KeyError('k')\nf()");
    expect(ran).toMatchObject({ status: "error", error: "KeyError: 'k'", stderr: "" });
    expect(ran.outputs[0]).toEqual({ output_type: "stream", name: "stdout", text: "before\n" });
    const failure = ran.outputs[1];
    expect(failure).toMatchObject({ output_type: "error", ename: "KeyError", evalue: "'k'" });
    const traceback = failure?.output_type === "error" ? failure.traceback : [];
    expect(traceback[0]).toBe("Traceback (most recent call last):");
    expect(traceback.join("\n")).toMatch(/File "<cell t>", line 4, in <module>[\s\S]*File "<cell t>", line 3, in f[\s\S]*KeyError: 'k'$/);
    expect(traceback.every((line) => !line.includes("\n") && !line.includes('File "<string>"'))).toBe(true);
    const syntax = await run("def broken(:\n  pass");
    expect(syntax.error).toMatch(/^SyntaxError/);
    expect(syntax.outputs[0]).toMatchObject({ output_type: "error", ename: "SyntaxError", traceback: [expect.stringContaining('File "<cell t>", line 1'), expect.anything(), expect.anything(), expect.stringMatching(/^SyntaxError/)] });
  });

  it("hands a tuple to SQL parameters as a JSON array", async () => {
    await run("t = (1, 2)");
    expect(await Effect.runPromise(kernel.values(["t"]))).toEqual({ values: { t: [1, 2] }, missing: [] });
  });

  it.skipIf(!pandasPython)("gives a pandas DataFrame pandas' HTML and text and a table capped at 1,000 rows", async () => {
    const frame = await runWith(pandasPython!, "import pandas as pd\npd.DataFrame({'a': [1, 2], 'b': ['x', None]})");
    expect(result(frame)).toMatchObject({ [TABLE_MIME]: { type: "table", columns: ["a", "b"], rows: [[1, "x"], [2, null]] }, "text/plain": expect.stringContaining("a     b") });
    expect(result(frame)?.["text/html"]).toMatch(/^<div>/);
    const big = await runWith(pandasPython!, "import pandas as pd\npd.DataFrame({'n': range(1500)})");
    expect(result(big)?.[TABLE_MIME]).toMatchObject({ truncated: true, total_rows: 1500 });
    expect((result(big)?.[TABLE_MIME] as { rows: unknown[] }).rows).toHaveLength(1000);
  });

  it.skipIf(!matplotlibPython)("shows a figure returned as the last value once, as image/png beside its text", async () => {
    const ran = await runWith(matplotlibPython!, "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2])\nfig");
    expect(ran.outputs).toHaveLength(1);
    expect(ran.outputs[0]).toMatchObject({ output_type: "execute_result", data: { "text/plain": expect.stringMatching(/^<Figure size/) } });
    expect(Buffer.from(String(result(ran)?.["image/png"]), "base64").subarray(1, 4).toString()).toBe("PNG");
  });

  it.skipIf(!matplotlibPython)("renders the figures a cell made, as the inline backend does: plt.plot alone gives one image", async () => {
    const plotted = await runWith(matplotlibPython!, "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3]);");
    expect(plotted.status).toBe("success");
    expect(plotted.outputs).toEqual([{ output_type: "display_data", data: { "image/png": expect.any(String), "text/plain": expect.stringMatching(/^<Figure size/) }, metadata: {} }]);
    const assigned = await runWith(matplotlibPython!, "import matplotlib.pyplot as plt\nlines = plt.plot([1, 2])\nplt.title('t')\n_ = None");
    expect(images(assigned.outputs)).toHaveLength(1);
  });

  it.skipIf(!matplotlibPython)("plt.show() renders at once, between the prints around it, without a warning", async () => {
    const kernel2 = new PythonProcess({ pythonBin: matplotlibPython!, timeoutMs: 30_000 });
    try {
      const shown = await runCell(kernel2, "import matplotlib.pyplot as plt\nprint('a')\nplt.plot([1])\nplt.show()\nprint('b')\nplt.figure()\nplt.plot([2])");
      expect(shown.stderr).toBe("");
      expect(shown.outputs.map((output) => (output.output_type === "stream" ? output.text : output.output_type))).toEqual(["a\n", "display_data", "b\n", "execute_result", "display_data"]);
      // A figure left open by a failing cell is shown (and closed) too; the next cell starts clean.
      const failed = await runCell(kernel2, "plt.plot([3])\n1 / 0", { id: "u" });
      expect(failed.outputs.map((output) => output.output_type)).toEqual(["error", "display_data"]);
      expect((await runCell(kernel2, "len(plt.get_fignums())", { id: "v" })).outputs).toMatchObject([{ data: { "text/plain": "0" } }]);
    } finally {
      await kernel2.close();
    }
  });
});
