import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import type { CellRun, Output } from "@parallax/domain/notebook";
import { DEFAULT_LIMITS, kernelSandbox } from "../sandbox/kernel-sandbox.js";
import { PythonNotebookExecutor } from "./python-notebook-executor.js";

const hasPython = spawnSync("python3", ["--version"]).status === 0;
if (!hasPython) console.warn("PythonNotebookExecutor tests skipped: python3 not found");

const stdout = (run: CellRun | undefined) =>
  (run?.outputs ?? []).flatMap((output: Output) => (output.output_type === "stream" && output.name === "stdout" ? [String(output.text)] : [])).join("");
const errorName = (run: CellRun | undefined) => run?.outputs.find((output) => output.output_type === "error")?.ename;

describe.skipIf(!hasPython)("PythonNotebookExecutor", () => {
  const planted = "AWS_SECRET_ACCESS_KEY";
  afterEach(() => {
    delete process.env[planted];
  });

  it("runs the cells in order in one fresh kernel with Jupyter's semantics: names shared, _names too, magics run", async () => {
    const executor = new PythonNotebookExecutor("python3", 20_000);
    const runs = await Effect.runPromise(
      executor.execute([
        { index: 1, code: "%matplotlib inline\ndata = [1, 2, 3]\n_hidden = 10" },
        { index: 4, code: "!echo from-a-shell\nprint(sum(data) + _hidden)" },
      ]),
    );
    expect(runs.map((run) => run.index)).toEqual([1, 4]);
    expect(stdout(runs[1])).toBe("from-a-shell\n16\n");
    // A second call starts from nothing: state never leaks between uploads.
    const fresh = await Effect.runPromise(executor.execute([{ index: 0, code: "data" }]));
    expect(errorName(fresh[0])).toBe("NameError");
  });

  it("never shows the host's secrets to cell code", async () => {
    process.env[planted] = "planted-secret";
    const runs = await Effect.runPromise(new PythonNotebookExecutor("python3", 20_000).execute([{ index: 0, code: "import os\nprint(os.environ.get('AWS_SECRET_ACCESS_KEY'))" }]));
    expect(stdout(runs[0])).toBe("None\n");
  });

  it("stops at a cell that hits its time limit: the cells after it are not run", async () => {
    const runs = await Effect.runPromise(
      new PythonNotebookExecutor("python3", 2_000).execute([
        { index: 0, code: "x = 1" },
        { index: 1, code: "while True:\n    pass" },
        { index: 2, code: "print('after')" },
      ]),
    );
    expect(runs.map((run) => run.index)).toEqual([0, 1]);
  });

  it("in a sandbox, an upload runs under its limits in a scratch directory of its own, removed afterwards", async () => {
    const root = mkdtempSync(join(tmpdir(), "parallax-executor-"));
    chmodSync(root, 0o755);
    try {
      const user = process.getuid?.() === 0 ? { user: { uid: 65534, gid: 65534 } } : {};
      const sandbox = kernelSandbox(join(root, "kernels"), { limits: { ...DEFAULT_LIMITS, memoryMb: 512 }, ...user });
      const executor = new PythonNotebookExecutor("python3", 20_000, { sandbox });
      const runs = await Effect.runPromise(executor.execute([{ index: 0, code: "import os, resource\nprint(os.getcwd())\nprint(resource.getrlimit(resource.RLIMIT_AS)[1] // 2**20)" }]));
      const [cwd, addressSpaceMb] = stdout(runs[0]).trim().split("\n");
      expect(cwd?.startsWith(join(root, "kernels", ".scratch-"))).toBe(true);
      expect(addressSpaceMb).toBe("512");
      expect(readdirSync(join(root, "kernels"))).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("without an interpreter, runs one cell's worth of nothing and stops", async () => {
    const runs = await Effect.runPromise(new PythonNotebookExecutor("/nonexistent/python3", 2_000).execute([{ index: 0, code: "x = 1" }, { index: 1, code: "x" }]));
    expect(runs).toEqual([{ index: 0, outputs: [] }]);
  });
});
