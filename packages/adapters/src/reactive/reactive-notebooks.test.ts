import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import AjvDraft04 from "ajv-draft-04";
import { Effect, Stream } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import type { NotebookEvent } from "@parallax/domain/reactive";
import { ReactiveNotebooks, type KernelOptions } from "@parallax/application/reactive";
import { recordStream } from "@parallax/application/testing";
import { pythonWith, pythonWithout } from "../../../../tests/python-interpreters.testkit.js";
import { MemoryNotebookStore } from "../notebook/memory-notebook.store.js";
import { SystemClock } from "../shared/system-clock.js";
import { NotebookKernelFactory, type NotebookKernel } from "./notebook-kernel.js";
import { kernelSandbox, workDirName } from "./sandbox/kernel-sandbox.js";

const hasPython = spawnSync("python3", ["--version"]).status === 0;
if (!hasPython) console.warn("reactive-notebooks test: python3 not found, Python parts skipped");
const schemaPath = join(import.meta.dirname, "../../../../../shared/fixtures/nbformat/schema/nbformat.v4.5.schema.json");
const hasSchema = existsSync(schemaPath);
if (!hasSchema) console.warn(`reactive-notebooks test: ${schemaPath} not found, the nbformat schema check is skipped`);

let counter = 0;
const ids = { next: () => `id-${++counter}` };
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);

function setup(timeoutMs = 5_000, pythonBin = "python3") {
  const store = new MemoryNotebookStore();
  const service = new ReactiveNotebooks(store, new NotebookKernelFactory({ pythonBin, timeoutMs }), ids, new SystemClock());
  opened.push(service);
  return { store, service };
}
const opened: ReactiveNotebooks[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((service) => run(service.closeAll())));
});

/** Collects a notebook's events from now on (the subscription lives until the notebook closes). */
async function record(service: ReactiveNotebooks, id: string): Promise<NotebookEvent[]> {
  const events: NotebookEvent[] = [];
  await recordStream(service.events(id), (event) => events.push(event));
  return events;
}

async function notebookWith(service: ReactiveNotebooks, cells: Array<[type: "python" | "sql" | "javascript", code: string]>) {
  const id = await run(service.create("test"));
  const first = (await run(service.get(id))).cells[0]!;
  await run(service.deleteCell(id, first.id));
  const cellIds: string[] = [];
  for (const [type, code] of cells) cellIds.push((await run(service.addCell(id, type, undefined, code))).id);
  return { id, cellIds };
}

describe("reactive notebook persistence", () => {
  it.skipIf(!hasSchema)("stores valid nbformat 4.5 with language, status, reads and writes under metadata.parallax", async () => {
    const { store, service } = setup();
    const { id, cellIds } = await notebookWith(service, [
      ["javascript", "const a = 1;"],
      ["javascript", "console.log(a + 1); a"],
    ]);
    await run(service.runCell(id, cellIds[0]!));
    await run(service.idle(id));
    const stored = await run(store.get(`${id}.ipynb`));
    const Ajv = AjvDraft04.default;
    const validate = new Ajv({ strict: false }).compile(JSON.parse(readFileSync(schemaPath, "utf8")) as object);
    expect(validate(stored.notebook), JSON.stringify(validate.errors)).toBe(true);
    expect(stored.notebook.nbformat_minor).toBe(5);
    const second = stored.notebook.cells[1]!;
    expect(second.id).toBe(cellIds[1]);
    expect(second.metadata["parallax"]).toEqual({ language: "javascript", status: "success", reads: ["a"], writes: [] });
    expect(stored.notebook.metadata["parallax"]).toMatchObject({ name: "test", db_conn_string: null });
    expect(second.cell_type === "code" && second.outputs[0]).toEqual({ output_type: "stream", name: "stdout", text: "2\n" });

    // A fresh service (a restarted host) reads the same notebook back; its kernel is new and
    // empty, so the cells show their last outputs but are idle until they run again.
    const reopened = new ReactiveNotebooks(store, new NotebookKernelFactory({ pythonBin: "python3", timeoutMs: 5_000 }), ids, new SystemClock());
    opened.push(reopened);
    const again = await run(reopened.get(id));
    expect(again.cells.map((cell) => [cell.id, cell.type, cell.code, cell.status, cell.stdout])).toEqual([
      [cellIds[0], "javascript", "const a = 1;", "idle", ""],
      [cellIds[1], "javascript", "console.log(a + 1); a", "idle", "2\n"],
    ]);
  });

  it("keeps what other APIs store in the document (spatial placement) when it writes", async () => {
    const { store, service } = setup();
    const { id, cellIds } = await notebookWith(service, [["python", "x = 1"]]);
    const stored = await run(store.get(`${id}.ipynb`));
    const document = structuredClone(stored.notebook);
    document.cells[0]!.metadata["spatial"] = { x: 1, y: 2, z: 3, pitch: 0, yaw: 0, roll: 0 };
    document.metadata["chartPositions"] = { chartKey_000: { x: 1, y: 1 } };
    await run(store.put(`${id}.ipynb`, document, stored.version));
    await run(service.updateCell(id, cellIds[0]!, "x = 2"));
    const after = await run(store.get(`${id}.ipynb`));
    expect(after.notebook.cells[0]!.metadata["spatial"]).toEqual({ x: 1, y: 2, z: 3, pitch: 0, yaw: 0, roll: 0 });
    expect(after.notebook.metadata["chartPositions"]).toEqual({ chartKey_000: { x: 1, y: 1 } });
    expect(after.notebook.cells[0]!.source).toBe("x = 2");
  });

  it("serialises concurrent mutations: every one gets its own revision and none is lost", async () => {
    const { store, service } = setup();
    const { id, cellIds } = await notebookWith(service, [["python", "a = 0"]]);
    const start = (await run(service.get(id))).revision;
    const revisions = await Promise.all(
      Array.from({ length: 20 }, (_, i) => run(service.updateCell(id, cellIds[0]!, `a = ${i}`))),
    );
    expect(new Set(revisions).size).toBe(20);
    expect(Math.max(...revisions)).toBe(start + 20);
    const stored = await run(store.get(`${id}.ipynb`));
    expect((stored.notebook.metadata["parallax"] as { revision: number }).revision).toBe(start + 20);
  });

  it("rejects a stale expected revision with a Conflict carrying the current one", async () => {
    const { service } = setup();
    const { id, cellIds } = await notebookWith(service, [["python", "a = 0"]]);
    const current = (await run(service.get(id))).revision;
    const exit = await Effect.runPromiseExit(service.updateCell(id, cellIds[0]!, "a = 1", current - 1));
    expect(JSON.stringify(exit)).toContain('"revision":' + String(current));
    expect(await run(service.updateCell(id, cellIds[0]!, "a = 1", current))).toBe(current + 1);
  });
});

describe("graph errors in runs", () => {
  it("puts a cycle's cells in error with the cycle, without running them, and blocks their dependents", async () => {
    const { service } = setup();
    const { id, cellIds } = await notebookWith(service, [
      ["javascript", "const a = b + 1;"],
      ["javascript", "const b = a + 1;"],
      ["javascript", "const c = a * 2;"],
    ]);
    const [a, b, c] = cellIds as [string, string, string];
    const events = await record(service, id);
    await run(service.runCell(id, a));
    await run(service.idle(id));
    const cells = (await run(service.get(id))).cells;
    expect(cells.map((cell) => cell.status)).toEqual(["error", "error", "blocked"]);
    expect(cells[0]!.error).toMatch(/^Circular dependency detected: /);
    expect(cells[0]!.error).toContain(a);
    expect(cells[0]!.error).toContain(b);
    expect(events.filter((e) => e.type === "cell_status" && e.status === "running")).toEqual([]);
    expect(events.filter((e) => e.type === "cell_status").map((e) => e.cellId)).toContain(c);
  });
});

describe("output limits", () => {
  it("caps a cell's stdout at a million characters with a note", async () => {
    const { service } = setup();
    const { id, cellIds } = await notebookWith(service, [["javascript", "for (let i = 0; i < 20000; i++) console.log('x'.repeat(99));"]]);
    await run(service.runCell(id, cellIds[0]!));
    await run(service.idle(id));
    const stdout = (await run(service.get(id))).cells[0]!.stdout;
    expect(stdout.startsWith("x".repeat(99) + "\n")).toBe(true);
    expect(stdout).toMatch(/\[output truncated at 1000000 characters\]\n$/);
    expect(stdout.length).toBeLessThan(1_000_100);
  });
});

describe("idle notebooks", () => {
  it("closes notebooks nobody watches after the idle time, and reopens them from the store", async () => {
    let now = 0;
    const store = new MemoryNotebookStore();
    const service = new ReactiveNotebooks(store, new NotebookKernelFactory({ pythonBin: "python3", timeoutMs: 5_000 }), ids, {
      now: () => new Date(now),
    });
    opened.push(service);
    const watched = await notebookWith(service, [["javascript", "const a = 1;"]]);
    const unwatched = await notebookWith(service, [["javascript", "const b = 2;"]]);
    await record(service, watched.id);
    await run(service.runCell(unwatched.id, unwatched.cellIds[0]!));
    await run(service.idle(unwatched.id));
    now = 30_000;
    expect(await run(service.closeIdle(60_000))).toEqual([]);
    now = 120_000;
    expect(await run(service.closeIdle(60_000))).toEqual([unwatched.id]);
    // Its kernel was stopped: the cell keeps its outputs and shows idle until it runs again.
    const reopened = await run(service.get(unwatched.id));
    expect(reopened.cells[0]).toMatchObject({ code: "const b = 2;", status: "idle" });
  });
});

describe("graph errors reach subscribers", () => {
  it("announces the other cell that gains or loses a multiple-definition error", async () => {
    const { service } = setup();
    const { id, cellIds } = await notebookWith(service, [["javascript", "const w = 1;"]]);
    const events = await record(service, id);
    const second = (await run(service.addCell(id, "javascript", undefined, "const w = 2;"))).id;
    const firstUpdates = () => events.filter((e) => e.type === "cell_updated" && e.cellId === cellIds[0]);
    expect(firstUpdates().map((e) => (e as { cell: { status: string; error: string | null } }).cell)).toMatchObject([
      { status: "error", error: `'w' is defined in multiple cells (also in cell ${second})` },
    ]);
    await run(service.updateCell(id, second, "const v = 2;"));
    expect(firstUpdates().map((e) => (e as { cell: { status: string; error: string | null } }).cell)).toMatchObject([
      { status: "error" },
      { status: "idle", error: null },
    ]);
  });
});

describe.skipIf(!hasPython)("reactive scheduling with the python kernel", () => {
  it("editing a running cell interrupts it and re-plans with the new code", async () => {
    const { service } = setup(20_000);
    const { id, cellIds } = await notebookWith(service, [
      ["python", "import time as _t\nprint('slow', flush=True)\n_t.sleep(15)\nv = 1"],
      ["python", "print(v)"],
    ]);
    const [slow, show] = cellIds as [string, string];
    const events = await record(service, id);
    await run(service.runCell(id, slow));
    await expect.poll(() => events.some((e) => e.type === "cell_stdout" && e.cellId === slow), { timeout: 10_000 }).toBe(true);
    await run(service.updateCell(id, slow, "v = 2"));
    await expect
      .poll(() => events.some((e) => e.type === "cell_status" && e.cellId === show && e.status === "success"), { timeout: 15_000 })
      .toBe(true);
    const stdout = events.filter((e) => e.type === "cell_stdout" && e.cellId === show).map((e) => (e as { data: string }).data);
    expect(stdout.join("")).toBe("2\n");
    const slowStatuses = events.filter((e) => e.type === "cell_status" && e.cellId === slow).map((e) => (e as { status: string }).status);
    expect(slowStatuses).toEqual(["running", "idle", "running", "success"]);
  });

  it("runs notebooks in parallel: a quick notebook finishes while another is busy", async () => {
    const { service } = setup(20_000);
    const busy = await notebookWith(service, [["python", "import time as _t\nprint('busy', flush=True)\n_t.sleep(15)"]]);
    const quick = await notebookWith(service, [["python", "print('quick')"]]);
    const busyEvents = await record(service, busy.id);
    const quickEvents = await record(service, quick.id);
    await run(service.runCell(busy.id, busy.cellIds[0]!));
    await expect.poll(() => busyEvents.some((e) => e.type === "cell_stdout"), { timeout: 10_000 }).toBe(true);
    await run(service.runCell(quick.id, quick.cellIds[0]!));
    await expect.poll(() => quickEvents.some((e) => e.type === "cell_status" && e.status === "success"), { timeout: 10_000 }).toBe(true);
    expect((await run(service.get(busy.id))).cells[0]!.status).toBe("running");
  });

  it("removes a deleted cell's names from the kernel", async () => {
    const { service } = setup();
    const { id, cellIds } = await notebookWith(service, [["python", "z = 5"]]);
    await run(service.runCell(id, cellIds[0]!));
    await run(service.idle(id));
    const reader = (await run(service.addCell(id, "python", undefined, "print(z)"))).id;
    await run(service.runCell(id, reader));
    await run(service.idle(id));
    expect((await run(service.get(id))).cells[1]!.stdout).toBe("5\n");
    await run(service.deleteCell(id, cellIds[0]!));
    await run(service.runCell(id, reader));
    await run(service.idle(id));
    expect((await run(service.get(id))).cells[0]).toMatchObject({ status: "error", error: "NameError: name 'z' is not defined" });
  });

  it.skipIf(!hasPython)("deleting a notebook removes its kernel's working directory", async () => {
    const root = mkdtempSync(join(tmpdir(), "parallax-discard-"));
    try {
      const sandbox = kernelSandbox(join(root, "kernels"));
      const service = new ReactiveNotebooks(new MemoryNotebookStore(), new NotebookKernelFactory({ pythonBin: "python3", timeoutMs: 20_000, sandbox }), ids, new SystemClock());
      opened.push(service);
      const { id, cellIds } = await notebookWith(service, [["python", "open('left.txt', 'w').write('x')"]]);
      await run(service.runCell(id, cellIds[0]!));
      await run(service.idle(id));
      expect(existsSync(join(sandbox.workRoot, workDirName(id), "left.txt"))).toBe(true);
      await run(service.delete(id));
      expect(existsSync(join(sandbox.workRoot, workDirName(id)))).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("puts cells defining the same name in error without running them", async () => {
    const { service } = setup();
    const { id, cellIds } = await notebookWith(service, [
      ["python", "w = 1"],
      ["python", "w = 2"],
    ]);
    await run(service.runCell(id, cellIds[0]!));
    await run(service.idle(id));
    const cells = (await run(service.get(id))).cells;
    expect(cells.map((cell) => [cell.status, cell.error])).toEqual([
      ["error", `'w' is defined in multiple cells (also in cell ${cellIds[1]})`],
      ["error", `'w' is defined in multiple cells (also in cell ${cellIds[0]})`],
    ]);
  });
});

describe.skipIf(!hasPython)("kernel cap", () => {
  /** Real kernels, kept in a list so the test can see which python3 processes are live. */
  function capped(maxKernels: number) {
    const real = new NotebookKernelFactory({ pythonBin: "python3", timeoutMs: 20_000 });
    const kernels: NotebookKernel[] = [];
    const factory = { create: (options: KernelOptions) => kernels[kernels.push(real.create(options)) - 1]! };
    // A clock that moves on every reading: "least recently used" never ties.
    let tick = 0;
    const service = new ReactiveNotebooks(new MemoryNotebookStore(), factory, ids, { now: () => new Date(++tick) }, { maxKernels });
    opened.push(service);
    const live = () => kernels.flatMap((kernel, index) => (kernel.python.pid() === undefined ? [] : [index]));
    return { service, live };
  }

  async function runAndWait(service: ReactiveNotebooks, notebook: { id: string; cellIds: string[] }) {
    await run(service.runCell(notebook.id, notebook.cellIds[0]!));
    await run(service.idle(notebook.id));
    return (await run(service.get(notebook.id))).cells[0]!;
  }

  it("keeps at most maxKernels live, closing the least recently used notebook that runs nothing", async () => {
    const { service, live } = capped(2);
    const [a, b, c] = [await notebookWith(service, [["python", "1"]]), await notebookWith(service, [["python", "2"]]), await notebookWith(service, [["python", "3"]])];
    for (const notebook of [a!, b!, c!]) expect((await runAndWait(service, notebook)).status).toBe("success");
    expect(live()).toEqual([1, 2]);
    await run(service.get(b!.id));
    expect((await runAndWait(service, a!)).outputs[0]?.data).toBe("1");
    expect(live()).toEqual([1, 3]);
  });

  it("never stops a running notebook: when every kernel is running, the cell fails at once with a clear error", async () => {
    const { service, live } = capped(1);
    const busy = await notebookWith(service, [["python", "import time\ntime.sleep(2)\n'done'"]]);
    const waiting = await notebookWith(service, [["python", "'ran'"]]);
    const events = await record(service, waiting.id);
    await run(service.runCell(busy.id, busy.cellIds[0]!));
    await run(service.runCell(waiting.id, waiting.cellIds[0]!));
    const error = "Kernel limit reached: every kernel of this server (1) is running a cell. Run the cell again when one finishes.";
    expect(events).toEqual([
      { type: "cell_status", cellId: waiting.cellIds[0], status: "error" },
      { type: "cell_error", cellId: waiting.cellIds[0], error },
    ]);
    await run(service.idle(busy.id));
    expect((await run(service.get(busy.id))).cells[0]).toMatchObject({ status: "success", outputs: [{ data: "'done'" }] });
    expect((await runAndWait(service, waiting)).outputs[0]?.data).toBe("'ran'");
    expect(live()).toEqual([1]);
  });
});

describe("each user's demo and blank notebooks", () => {
  it("a list creates the user's demo-{uid} and blank-{uid} when missing, and a deleted demo comes back on the next list", async () => {
    const { service } = setup();
    const ids = async (userId: string) => (await run(service.list(userId))).map((notebook) => notebook.id).sort();
    expect(await ids("local")).toEqual(["blank-local", "demo-local"]);
    // Another user's notebooks are not listed (issue 10).
    expect(await ids("user_2abc")).toEqual(["blank-user_2abc", "demo-user_2abc"]);
    await run(service.delete("demo-local"));
    expect(await ids("local")).toContain("demo-local");
    expect((await run(service.get("demo-local"))).cells).toHaveLength(5);
  });

  it("the ids demo and blank name the user's own, created if missing; other ids name themselves when they are the user's", async () => {
    const { service } = setup();
    expect(await run(service.resolve("u1", "demo"))).toBe("demo-u1");
    expect(await run(service.resolve("u1", "blank"))).toBe("blank-u1");
    expect((await run(service.get("blank-u1"))).name).toBe("Blank notebook");
    const created = await run(service.create("Mine", "u1"));
    expect(await run(service.resolve("u1", created))).toBe(created);
  });

  it("another user's notebook resolves to NotFound, as a missing one does (issue 10: no hint that it exists)", async () => {
    const { service } = setup();
    await run(service.resolve("u2", "demo"));
    const created = await run(service.create("Theirs", "u2"));
    const notFound = async (id: string) => {
      const exit = await Effect.runPromiseExit(service.resolve("u1", id));
      return JSON.stringify(exit);
    };
    for (const id of ["demo-u2", created, "no-such-notebook"]) expect(await notFound(id), id).toContain('"_tag":"NotFound"');
    expect(await run(service.resolve("u2", created))).toBe(created);
  });

  it("notebooks stored before owners were kept are the local user's", async () => {
    const { service, store } = setup();
    await run(store.put("legacy.ipynb", { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] }));
    expect(await run(service.resolve("local", "legacy"))).toBe("legacy");
    expect((await run(service.list("local"))).map((notebook) => notebook.id)).toContain("legacy");
    expect(JSON.stringify(await Effect.runPromiseExit(service.resolve("user_x", "legacy")))).toContain('"_tag":"NotFound"');
  });
});

describe("the seeded demo notebook", () => {
  const bare = hasPython ? pythonWithout("matplotlib", "pandas") : undefined;
  const equipped = hasPython ? pythonWith("matplotlib", "pandas") : undefined;

  async function runDemo(pythonBin: string) {
    const { service } = setup(30_000, pythonBin);
    const demo = await run(service.resolve("local", "demo"));
    await run(service.runCell(demo, "demo-setup"));
    await run(service.idle(demo));
    return Object.fromEntries((await run(service.get(demo))).cells.map((cell) => [cell.id, cell]));
  }

  it.skipIf(!bare)("without matplotlib and pandas says how to install them, and its other cells skip instead of failing", async () => {
    const cells = await runDemo(bare!);
    expect(Object.values(cells).map((cell) => cell.status)).toEqual(["success", "success", "success", "success", "success"]);
    expect(cells["demo-setup"]!.stdout).toContain("sudo apt-get install python3-matplotlib python3-pandas python3-numpy");
    expect(cells["demo-plot"]!.stdout).toBe("Skipped: matplotlib is not installed (see the first cell).\n");
    expect(cells["demo-frame"]!.stdout).toBe("Skipped: pandas is not installed (see the first cell).\n");
  });

  it.skipIf(!equipped)("with them draws its plot inline and shows its table", async () => {
    const cells = await runDemo(equipped!);
    expect(Object.values(cells).map((cell) => cell.status)).toEqual(["success", "success", "success", "success", "success"]);
    expect(cells["demo-plot"]!.outputs.map((output) => output.mime_type)).toEqual(["image/png"]);
    expect(cells["demo-frame"]!.outputs).toMatchObject([{ mime_type: "application/json", data: { type: "table", columns: ["i", "i_times_y"] } }]);
  });
});
