import { describe, expect, it } from "vitest";
import { cellsNeedingCharts, cellsToRun, isGeneratedOutput, usesMatplotlib, withGeneratedCharts } from "./chart-generation.js";
import type { Cell, Notebook, Output } from "./nbformat.types.js";

const image: Output = { output_type: "display_data", data: { "image/png": "iVBOR", "text/plain": "<Figure>" }, metadata: {} };
const code = (id: string, source: string | string[], outputs: Output[] = []): Cell => ({ id, cell_type: "code", metadata: {}, source, execution_count: null, outputs });
const notebook = (cells: Cell[]): Notebook => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });

/** 0 markdown, 1 setup, 2 chart with a stored image, 3 chart to make, 4 plain, 5 chart to make, 6 after the last chart. */
const mixed = notebook([
  { id: "m", cell_type: "markdown", metadata: {}, source: "plt.plot( in prose" },
  code("setup", "import numpy as np\ndata = np.arange(3)"),
  code("stored", "plt.plot(data)", [image]),
  code("bars", ["import matplotlib.pyplot as plt\n", "plt.bar(data, data)"]),
  code("plain", "total = data.sum()"),
  code("scatter", "scatter(data, data)"),
  code("after", "print('never needed')"),
]);

describe("chart generation policy", () => {
  it("recognises matplotlib cells by the old server's hints", () => {
    for (const source of ["plt.show()", "import matplotlib", "ax.plot(x)", "ax.scatter(x, y)", "ax.bar(x, y)"]) expect(usesMatplotlib(source), source).toBe(true);
    expect(usesMatplotlib("print(1)")).toBe(false);
  });

  it("needs charts only from code cells without a stored image", () => {
    expect(cellsNeedingCharts(mixed)).toEqual([3, 5]);
  });

  it("runs every code cell in order up to the last chart cell, never one with a stored image", () => {
    expect(cellsToRun(mixed, cellsNeedingCharts(mixed)).map((cell) => cell.index)).toEqual([1, 3, 4, 5]);
    expect(cellsToRun(mixed, [])).toEqual([]);
    expect(cellsToRun(mixed, [3])[1]).toEqual({ index: 3, code: "import matplotlib.pyplot as plt\nplt.bar(data, data)" });
  });

  it("writes a chart cell's outputs into it as Jupyter would, marks them generated, and names the chart keys", () => {
    const stream: Output = { output_type: "stream", name: "stdout", text: "drawn\n" };
    const runs = [
      { index: 1, outputs: [stream] },
      { index: 3, outputs: [stream, image] },
      { index: 4, outputs: [] },
      { index: 5, outputs: [{ output_type: "error" as const, ename: "NameError", evalue: "scatter", traceback: [] }] },
    ];
    const { notebook: written, generated } = withGeneratedCharts(mixed, [3, 5], runs);
    expect(generated).toEqual(["chartKey_003"]);
    const bars = written.cells[3];
    expect(bars?.cell_type === "code" && bars.execution_count).toBe(2);
    expect(bars?.cell_type === "code" && bars.outputs.map(isGeneratedOutput)).toEqual([false, true]);
    // Setup cells keep what they had; a chart cell that drew nothing is left to be tried again.
    expect(written.cells[1]).toBe(mixed.cells[1]);
    expect(written.cells[5]).toBe(mixed.cells[5]);
    expect(mixed.cells[3]).toEqual(code("bars", ["import matplotlib.pyplot as plt\n", "plt.bar(data, data)"]));
  });

  it("leaves the notebook as it was when no run drew anything", () => {
    expect(withGeneratedCharts(mixed, [3], [{ index: 3, outputs: [] }]).notebook).toBe(mixed);
  });
});
