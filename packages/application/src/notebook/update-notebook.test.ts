import { Effect, Exit, Random } from "effect";
import { describe, expect, it } from "vitest";
import { Conflict, InvalidInput, NotFound } from "@parallax/domain";
import type { Notebook } from "@parallax/domain/notebook";
import type { NotebookStore, StoredNotebook } from "./notebook-store.port.js";
import { inNotebookTurn, updateNotebook } from "./update-notebook.js";

/** A store that counts reads and writes, takes a moment to write (as a disk does), and can simulate another process writing first. */
class CountingStore implements NotebookStore {
  reads = 0;
  writes = 0;
  foreignWritesLeft = 0;
  readDelayMs = 0;
  private doc: Notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] };
  private version = 0;
  list = () => Effect.succeed(["n.ipynb"]);
  listSummaries = () => Effect.succeed([]);
  readBytes = () => Effect.succeed({ bytes: new Uint8Array(), version: "0", metadata: {} });
  delete = () => Effect.void;
  get = (name: string) =>
    Effect.suspend(() => {
      this.reads++;
      if (name !== "n.ipynb") return Effect.fail(new NotFound({ message: "Notebook not found" }));
      return Effect.succeed({ name, notebook: structuredClone(this.doc), version: String(this.version) });
    }).pipe(Effect.delay(this.readDelayMs));
  put = (name: string, notebook: Notebook, expected?: string | null) =>
    Effect.suspend((): Effect.Effect<StoredNotebook, Conflict> => {
      if (this.foreignWritesLeft > 0) {
        this.foreignWritesLeft--;
        this.version++;
        this.doc = { ...this.doc, metadata: { ...this.doc.metadata, foreign: this.version } };
      }
      if (expected !== undefined && expected !== String(this.version)) return Effect.fail(new Conflict({ message: "changed" }));
      this.writes++;
      this.version++;
      this.doc = structuredClone(notebook);
      return Effect.succeed({ name, notebook, version: String(this.version) });
    }).pipe(Effect.delay("2 millis"));
}

const setKey = (key: string) => (notebook: Notebook) =>
  Effect.succeed({ notebook: { ...notebook, metadata: { ...notebook.metadata, [key]: true } }, result: key });

describe("updateNotebook (group commit with compare-and-swap)", () => {
  it("32 concurrent mutations all land, in far fewer writes than mutations", async () => {
    const store = new CountingStore();
    const keys = Array.from({ length: 32 }, (_, i) => `k${i}`);
    const results = await Effect.runPromise(Effect.all(keys.map((key) => updateNotebook(store, "n.ipynb", setKey(key))), { concurrency: "unbounded" }));
    expect(results.map((r) => r.result)).toEqual(keys);
    const final = await Effect.runPromise(store.get("n.ipynb"));
    expect(Object.keys(final.notebook.metadata).sort()).toEqual([...keys].sort());
    expect(store.writes).toBeLessThan(8);
  });

  it("a failing mutation gets its own error and does not stop the others in its batch", async () => {
    const store = new CountingStore();
    const failing = () => Effect.fail(new InvalidInput({ message: "no" }));
    const exits = await Effect.runPromise(
      Effect.all([updateNotebook(store, "n.ipynb", setKey("a")), Effect.exit(updateNotebook(store, "n.ipynb", failing)), updateNotebook(store, "n.ipynb", setKey("b"))], {
        concurrency: "unbounded",
      }),
    );
    expect(Exit.isFailure(exits[1]) && JSON.stringify(exits[1].cause)).toMatch(/InvalidInput/);
    const final = await Effect.runPromise(store.get("n.ipynb"));
    expect(final.notebook.metadata).toEqual({ a: true, b: true });
  });

  it("re-applies the batch on top of another process's write (no lost update)", async () => {
    const store = new CountingStore();
    store.foreignWritesLeft = 3;
    await Effect.runPromise(Effect.all([updateNotebook(store, "n.ipynb", setKey("x")), updateNotebook(store, "n.ipynb", setKey("y"))], { concurrency: "unbounded" }));
    const final = await Effect.runPromise(store.get("n.ipynb"));
    expect(final.notebook.metadata).toMatchObject({ x: true, y: true, foreign: expect.any(Number) });
  });

  it("outlasts another process that wins far more often than the old 64-try bound, pausing between tries", async () => {
    const store = new CountingStore();
    store.foreignWritesLeft = 80;
    await Effect.runPromise(updateNotebook(store, "n.ipynb", setKey("late")).pipe(Random.withSeed(7)));
    const final = await Effect.runPromise(store.get("n.ipynb"));
    expect(final.notebook.metadata).toMatchObject({ late: true, foreign: expect.any(Number) });
  });

  it("a write in the notebook's turn never lands inside a batch's read and write", async () => {
    const store = new CountingStore();
    const known = await Effect.runPromise(store.get("n.ipynb"));
    store.readDelayMs = 10;
    // The put would land while the batch is still reading; in the turn it waits, then loses its
    // compare-and-swap (the document changed), instead of making the batch lose and read again.
    const [batch, put] = await Effect.runPromise(
      Effect.all([updateNotebook(store, "n.ipynb", setKey("placed")), Effect.exit(inNotebookTurn(store, "n.ipynb", store.put("n.ipynb", known.notebook, known.version)))], {
        concurrency: "unbounded",
      }),
    );
    expect(batch.result).toBe("placed");
    expect(Exit.isFailure(put) && JSON.stringify(put.cause)).toMatch(/Conflict/);
    expect(store.reads).toBe(2);
  });

  it("an unknown notebook fails every caller with NotFound", async () => {
    const store = new CountingStore();
    const exit = await Effect.runPromiseExit(updateNotebook(store, "missing.ipynb", setKey("z")));
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toMatch(/NotFound/);
  });

  it("a defect in one mutation reaches its waiters as a defect instead of hanging them", async () => {
    const store = new CountingStore();
    const buggy = () => Effect.die(new Error("bug"));
    const exits = await Effect.runPromise(
      Effect.all([Effect.exit(updateNotebook(store, "n.ipynb", buggy)), Effect.exit(updateNotebook(store, "n.ipynb", setKey("ok")))], { concurrency: "unbounded" }),
    );
    expect(exits.every((exit) => exit._tag === "Failure" || exit._tag === "Success")).toBe(true);
    expect(Exit.isFailure(exits[0])).toBe(true);
  });
});
