import { spawnSync } from "node:child_process";
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import type { Cell, Notebook, Output } from "@parallax/domain/notebook";
import { PythonNotebookReexecutor, maskVolatile } from "./python-notebook-reexecutor.js";

const hasPython = spawnSync("python3", ["--version"]).status === 0;
if (!hasPython) console.warn("reexecutor test skipped: python3 not found");

const code = (source: string, outputs: Output[] = []): Cell => ({ cell_type: "code", source, outputs, execution_count: null, metadata: {} });
const notebook = (...cells: Cell[]): Notebook => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });
const stream = (text: string): Output => ({ output_type: "stream", name: "stdout", text });
const result = (text: string): Output => ({ output_type: "execute_result", execution_count: 1, data: { "text/plain": text }, metadata: {} });

describe("maskVolatile", () => {
  it("masks addresses, timings, dates and uuids", () => {
    expect(maskVolatile("<object at 0x7f3a2b1c9d00> took 12.5 ms on 2024-05-01T10:00:00Z id 123e4567-e89b-12d3-a456-426614174000")).toBe(
      "<object at 0xADDRESS> took DURATION on DATETIME id UUID",
    );
  });
});

describe.skipIf(!hasPython)("PythonNotebookReexecutor", () => {
  const reexecutor = new PythonNotebookReexecutor("python3", 5_000);

  it("passes a notebook whose outputs reproduce, volatile parts aside", async () => {
    const report = await Effect.runPromise(
      reexecutor.reexecute(
        notebook(
          code("x = 21\n_shared = 1", []),
          code("print(x * 2)", [stream("42\n")]),
          code("x + _shared", [result("22")]),
          code("object()", [result("<object object at 0x7f0000000000>")]),
          { cell_type: "markdown", source: "# title", metadata: {} },
          code("%matplotlib inline\nx", [result("21")]),
          // Magics run as in the reactive kernel: a shell escape's output is compared like any other.
          code("!echo from-a-shell", [stream("from-a-shell\n")]),
        ),
      ),
    );
    expect(report).toMatchObject({ success: true, return_code: 0, differing_cells: [] });
    expect(report.stdout).toMatch(/cell 1: PASSED/);
  });

  it("reports the cells whose outputs differ and unexpected errors", async () => {
    const report = await Effect.runPromise(
      reexecutor.reexecute(notebook(code("print('new')", [stream("old\n")]), code("1 / 0", []), code("undefined_name", [{ output_type: "error", ename: "NameError", evalue: "x", traceback: [] }]))),
    );
    expect(report.success).toBe(false);
    expect(report.return_code).toBe(1);
    expect(report.differing_cells).toEqual([{ cell_index: 0, expected: "old", actual: "new" }]);
    expect(report.stderr).toMatch(/cell 1: ZeroDivisionError/);
  });
});
