import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import type { NotebookStore } from "@parallax/application/notebook";
import type { Notebook } from "@parallax/domain/notebook";
import { versionedNotebook } from "./versioned-notebook.testkit.js";
import { FileNotebookStore } from "./file-notebook.store.js";
import { MemoryNotebookStore } from "./memory-notebook.store.js";

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);
const scratch = mkdtempSync(join(tmpdir(), "parallax-notebook-stores-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const titled = (title: string): Notebook => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { parallax: { name: title } },
  cells: [{ id: "c", cell_type: "code", metadata: {}, source: "x = 1", execution_count: null, outputs: [] }],
});

/** What every NotebookStore adapter must do, run over each of them. */
describe.each<[string, () => NotebookStore]>([
  ["memory", () => new MemoryNotebookStore()],
  ["file", () => new FileNotebookStore(mkdtempSync(join(scratch, "file-")))],
])("NotebookStore contract: %s", (_, makeStore) => {
  it("puts, gets, lists and deletes; versions change on every write", async () => {
    const store = makeStore();
    const first = await run(store.put("a.ipynb", versionedNotebook(1)));
    const second = await run(store.put("a.ipynb", versionedNotebook(2)));
    expect(first.version).not.toBe(second.version);
    const read = await run(store.get("a.ipynb"));
    expect(read.version).toBe(second.version);
    expect(read.notebook.metadata["version"]).toBe(2);
    expect(await run(store.list())).toEqual(["a.ipynb"]);
    await run(store.delete("a.ipynb"));
    const missing = await Effect.runPromiseExit(store.get("a.ipynb"));
    expect(Exit.isFailure(missing) && JSON.stringify(missing.cause)).toMatch(/NotFound/);
  });

  it("compare-and-swap refuses a stale version and an existing name, and writes nothing", async () => {
    const store = makeStore();
    const v1 = await run(store.put("b.ipynb", versionedNotebook(1), null));
    await run(store.put("b.ipynb", versionedNotebook(2), v1.version));
    const stale = await Effect.runPromiseExit(store.put("b.ipynb", versionedNotebook(3), v1.version));
    expect(Exit.isFailure(stale) && JSON.stringify(stale.cause)).toMatch(/Conflict/);
    const exists = await Effect.runPromiseExit(store.put("b.ipynb", versionedNotebook(4), null));
    expect(Exit.isFailure(exists) && JSON.stringify(exists.cause)).toMatch(/already exists/);
    expect((await run(store.get("b.ipynb"))).notebook.metadata["version"]).toBe(2);
  });

  it("summaries follow puts, overwrites and deletes, sorted by name, with the top-level metadata", async () => {
    const store = makeStore();
    expect(await run(store.listSummaries())).toEqual([]);
    await run(store.put("b.ipynb", titled("Bee")));
    await run(store.put("a.ipynb", titled("Ay")));
    expect(await run(store.listSummaries())).toEqual([
      { name: "a.ipynb", metadata: { parallax: { name: "Ay" } } },
      { name: "b.ipynb", metadata: { parallax: { name: "Bee" } } },
    ]);
    await run(store.put("a.ipynb", titled("Ay again")));
    await run(store.delete("b.ipynb"));
    expect(await run(store.listSummaries())).toEqual([{ name: "a.ipynb", metadata: { parallax: { name: "Ay again" } } }]);
    expect(await run(store.list())).toEqual(["a.ipynb"]);
  });
});
