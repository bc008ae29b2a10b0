import { Effect } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import type { Output } from "@parallax/domain/notebook";
import { newCodeCell, type NotebookEvent, type ReactiveCodeCell, type ReactiveDocument } from "@parallax/domain/reactive";
import { recordStream } from "../testing/index.js";
import { ModelKernel } from "./kernel.testkit.js";
import { NotebookSession, type SessionSnapshot } from "./notebook-session.js";

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);
const sessions: NotebookSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => run(session.close())));
});

type CellSpec = [id: string, code: string, stored?: Partial<ReactiveCodeCell>];

/** An open session over python cells, its model kernel, every event it publishes, and what it last stored. */
async function open(cells: CellSpec[], kernel = new ModelKernel()) {
  const document: ReactiveDocument = {
    id: "nb",
    name: "nb",
    db_conn_string: null,
    revision: 0,
    cells: cells.map(([id, code, stored]) => ({ ...newCodeCell(id, "python", code), ...stored })),
  };
  let stored: SessionSnapshot | undefined;
  const session = await run(NotebookSession.open(document, kernel, (snapshot) => Effect.sync(() => void (stored = snapshot()))));
  sessions.push(session);
  const events: NotebookEvent[] = [];
  await recordStream(session.subscribe(), (event) => events.push(event));
  const runCells = async (...ids: string[]) => {
    kernel.runs.length = 0;
    await run(session.run(ids));
    await run(session.idle());
    return [...kernel.runs];
  };
  const cell = (id: string) => session.snapshot().cells.find((one) => one.id === id)!;
  const storedCell = (id: string) => stored!.document.cells.find((one) => one.id === id)!;
  return { session, kernel, events, runCells, cell, storedCell, stored: () => stored! };
}

describe("a name defined in two cells (marimo's semantics)", () => {
  it("is an error on both, naming the other; deleting one keeps the other's value in the kernel and re-runs it before its dependents", async () => {
    const { session, kernel, runCells, cell, events } = await open([
      ["a", "x = 1"],
      ["c", "y = x + 1"],
    ]);
    expect(await runCells("a")).toEqual(["a", "c"]);
    await run(session.addCell("b", "python", "a", "x = 99"));
    expect([cell("a").error, cell("b").error]).toEqual(["'x' is defined in multiple cells (also in cell b)", "'x' is defined in multiple cells (also in cell a)"]);

    const from = events.length;
    await run(session.deleteCell("b"));
    expect(kernel.holder("x")).toBe("a");
    expect(cell("a")).toMatchObject({ status: "idle", error: null });
    expect(events.slice(from)).toContainEqual(expect.objectContaining({ type: "cell_updated", cellId: "a", cell: expect.objectContaining({ status: "idle", error: null }) }));
    expect(await runCells("c")).toEqual(["a", "c"]);
    expect([cell("a").status, cell("c").status]).toEqual(["success", "success"]);
  });

  it("editing the duplicate away does the same, and only names no cell defines leave the kernel", async () => {
    const { session, kernel, runCells, cell } = await open([
      ["a", "x = 1"],
      ["c", "y = x + 1"],
    ]);
    await runCells("a");
    await run(session.addCell("b", "python", "a", "w = 5"));
    await runCells("b");
    await run(session.updateCell("b", "x = 99\nw = 5"));
    expect(cell("a").status).toBe("error");
    await run(session.updateCell("b", "z = 99"));
    expect(kernel.holder("x")).toBe("a");
    expect(kernel.holder("w")).toBeUndefined();
    expect(cell("a").status).toBe("idle");
    expect(await runCells("c")).toEqual(["a", "c"]);
  });
});

/** a → b → c: each reads what the one before defines. */
const CHAIN: CellSpec[] = [
  ["a", "x = 1"],
  ["b", "y = x + 1"],
  ["c", "print(y)"],
];

describe("the kernel's state", () => {
  it("after a restart, cells show their last outputs but idle, and a dependent runs its ancestors first", async () => {
    const before: Output[] = [{ output_type: "stream", name: "stdout", text: "from last time\n" }];
    const { runCells, cell } = await open([
      ["a", "x = 1", { status: "success", outputs: before, execution_count: 4 }],
      ["b", "y = x + 1", { status: "success", execution_count: 5 }],
      ["c", "print(y)", { status: "success", execution_count: 6 }],
      ["other", "z = 3", { status: "error" }],
    ]);
    expect(["a", "b", "c", "other"].map((id) => cell(id).status)).toEqual(["idle", "idle", "idle", "idle"]);
    expect(cell("a").stdout).toBe("from last time\n");
    expect(await runCells("c")).toEqual(["a", "b", "c"]);
    expect(["a", "b", "c", "other"].map((id) => cell(id).status)).toEqual(["success", "success", "success", "idle"]);
  });

  it("never runs a dependent against a name the kernel lost: a dead process's cells run again first, the others show idle", async () => {
    const { kernel, runCells, cell } = await open([...CHAIN, ["other", "z = 3"]]);
    await runCells("a", "other");
    kernel.restart("python");
    expect(await runCells("c")).toEqual(["a", "b", "c"]);
    expect(["a", "b", "c", "other"].map((id) => cell(id).status)).toEqual(["success", "success", "success", "idle"]);
  });

  it("runs an edited ancestor again before a dependent, and retries a failed one", async () => {
    const { session, runCells, cell } = await open(CHAIN);
    await runCells("a");
    await run(session.updateCell("a", "x = 2"));
    expect(await runCells("c")).toEqual(["a", "b", "c"]);
    await run(session.updateCell("a", "x = 3\nraise ValueError('boom')"));
    expect(await runCells("a")).toEqual(["a"]);
    expect([cell("b").status, cell("c").status]).toEqual(["blocked", "blocked"]);
    expect(await runCells("c")).toEqual(["a"]);
    expect(cell("c").status).toBe("blocked");
  });
});

describe("what a run stores and tells the editor", () => {
  it("writes the kernel's outputs with per-notebook execution counts; cells that do not run keep theirs untouched", async () => {
    const foreign: Output[] = [{ output_type: "display_data", data: { "image/png": "iVBORw0KGgo=", "text/plain": "<Figure>" }, metadata: {} }];
    const { session, runCells, storedCell, stored } = await open([
      ["a", "x = 1", { outputs: foreign, execution_count: 3 }],
      ["broken", "x +", { outputs: foreign, execution_count: 4 }],
      ["alone", "print(2)", { outputs: foreign, execution_count: 5 }],
    ]);
    await runCells("a");
    await runCells("a");
    expect(storedCell("a")).toMatchObject({
      status: "success",
      execution_count: 2,
      outputs: [
        { output_type: "stream", name: "stdout", text: "ran a\n" },
        { output_type: "execute_result", execution_count: 2, data: { "text/plain": "x" }, metadata: {} },
      ],
    });
    await runCells("broken");
    expect(storedCell("broken")).toMatchObject({ status: "error", execution_count: 4, analysisError: expect.stringMatching(/^SyntaxError/) });
    expect(storedCell("broken").outputs).toBe(foreign);
    expect(storedCell("alone").outputs).toBe(foreign);
    expect([...stored().touched].sort()).toEqual(["a", "broken"]);
    await run(session.updateCell("alone", "print(2)"));
    expect(stored().touched.has("alone")).toBe(false);
  });

  it("sends a failure's traceback as stdout and its message as cell_error, never as a cell_output, after the final status", async () => {
    const { events, runCells, storedCell } = await open([["a", "raise ValueError('boom')"]]);
    await runCells("a");
    expect(events.filter((event) => event.cellId === "a").map((event) => (event.type === "cell_status" ? event.status : event.type))).toEqual([
      "running",
      "error",
      "cell_stdout",
      "cell_error",
    ]);
    expect(events).toContainEqual({ type: "cell_stdout", cellId: "a", data: "Traceback (most recent call last):\nValueError: boom\n" });
    expect(events).toContainEqual({ type: "cell_error", cellId: "a", error: "ValueError: boom" });
    expect(storedCell("a").outputs).toEqual([{ output_type: "error", ename: "ValueError", evalue: "boom", traceback: ["Traceback (most recent call last):", "ValueError: boom"] }]);
  });

  it("tells a run in §B's order: running, the live stdout, the final status, then one cell_output per display", async () => {
    const { events, runCells } = await open([["a", "x = 1"]]);
    await runCells("a");
    expect(events.filter((event) => event.cellId === "a")).toEqual([
      { type: "cell_status", cellId: "a", status: "running" },
      { type: "cell_stdout", cellId: "a", data: "ran a\n" },
      { type: "cell_status", cellId: "a", status: "success" },
      { type: "cell_output", cellId: "a", output: { mime_type: "text/plain", data: "x", metadata: {} } },
    ]);
  });
});
