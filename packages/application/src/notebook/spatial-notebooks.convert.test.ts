import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { NotFound } from "@parallax/domain";
import { serializeNotebook, type CellRun, type CodeToRun, type Notebook } from "@parallax/domain/notebook";
import type { NotebookExecutor } from "./notebook-executor.port.js";
import type { NotebookStore, StoredNotebook } from "./notebook-store.port.js";
import { SpatialNotebooks } from "./spatial-notebooks.js";

/** Keeps what `put` stored; whatever else the use case might call fails loudly. */
class KeepingStore implements NotebookStore {
  readonly documents = new Map<string, Notebook>();
  put = (name: string, notebook: Notebook) =>
    Effect.sync((): StoredNotebook => {
      this.documents.set(name, structuredClone(notebook));
      return { name, notebook, version: "1" };
    });
  get = (name: string) => Effect.fail(new NotFound({ message: `not modelled: get ${name}` }));
  list = () => Effect.die(new Error("not modelled: list"));
  listSummaries = () => Effect.die(new Error("not modelled: listSummaries"));
  readBytes = () => Effect.die(new Error("not modelled: readBytes"));
  delete = () => Effect.die(new Error("not modelled: delete"));
}

/** Draws one image for every cell it runs that calls `plt.`; records what it was asked to run. */
class DrawingExecutor implements NotebookExecutor {
  readonly calls: number[][] = [];
  execute(cells: readonly CodeToRun[]): Effect.Effect<readonly CellRun[]> {
    return Effect.sync(() => {
      this.calls.push(cells.map((cell) => cell.index));
      return cells.map(({ index, code }) => ({
        index,
        outputs: code.includes("plt.") ? [{ output_type: "display_data" as const, data: { "image/png": `png-of-${index}` }, metadata: {} }] : [],
      }));
    });
  }
}

const appNotebook = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: [
    { cell_type: "markdown", metadata: {}, source: "# Export", outputs: [] },
    { cell_type: "code", metadata: {}, source: "data = [1, 2]", outputs: [], execution_count: null },
    { cell_type: "code", metadata: {}, source: "plt.plot(data)", outputs: [], execution_count: null },
  ],
};

function setup(executor?: NotebookExecutor) {
  const store = new KeepingStore();
  let id = 0;
  const notebooks = new SpatialNotebooks(store, { now: () => new Date(0) }, { next: () => `id-${++id}` }, undefined, {}, executor);
  const convert = (document: unknown) =>
    Effect.runPromise(notebooks.convert("Pulto.ipynb", { filename: "notebook.ipynb", bytes: new TextEncoder().encode(JSON.stringify(document)) }));
  return { store, convert };
}

describe("SpatialNotebooks.convert makes missing charts by execution", () => {
  it("runs the code cells in order up to the chart cell, writes the chart in and names it as generated", async () => {
    const executor = new DrawingExecutor();
    const { store, convert } = setup(executor);
    const result = await convert(appNotebook);
    expect(executor.calls).toEqual([[1, 2]]);
    expect(result.charts).toEqual({ chartKey_002: ["png-of-2"] });
    expect(result.generated).toEqual(["chartKey_002"]);
    const stored = store.documents.get("Pulto.ipynb")!;
    expect(stored.cells[2]).toMatchObject({ execution_count: 2, outputs: [{ metadata: { parallax: { generated: true } } }] });
  });

  it("a second upload of the stored notebook runs nothing and answers the same charts", async () => {
    const executor = new DrawingExecutor();
    const { store, convert } = setup(executor);
    const first = await convert(appNotebook);
    const again = await convert(JSON.parse(new TextDecoder().decode(serializeNotebook(store.documents.get("Pulto.ipynb")!))));
    expect(executor.calls).toHaveLength(1);
    expect(again.charts).toEqual(first.charts);
    expect(again.generated).toEqual([]);
  });

  it("without an executor (CONVERT_EXECUTE=never, or no Python) only stored images are answered", async () => {
    const { convert } = setup();
    expect(await convert(appNotebook)).toMatchObject({ charts: {}, generated: [] });
  });
});
