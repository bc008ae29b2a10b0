import { renameSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { updateNotebook } from "@parallax/application/notebook";
import { placeCell, serializeNotebook, type Notebook } from "@parallax/domain/notebook";
import { FileNotebookStore } from "./file-notebook.store.js";
import { NotebookCache } from "./notebook-cache.js";
import { versionedNotebook } from "./versioned-notebook.testkit.js";

// The file store's reads and parses, counted: what the cache is for is that they do not happen.
const counted = vi.hoisted(() => ({ reads: 0, parses: 0 }));
vi.mock("../shared/atomic-file.js", async (original) => {
  const actual = await original<typeof import("../shared/atomic-file.js")>();
  return { ...actual, readFileVersioned: (path: string) => (counted.reads++, actual.readFileVersioned(path)) };
});
vi.mock("./stored-notebook.js", async (original) => {
  const actual = await original<typeof import("./stored-notebook.js")>();
  return { ...actual, parseStored: (bytes: Uint8Array, where: string) => (counted.parses++, actual.parseStored(bytes, where)) };
});

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);
const scratch = mkdtempSync(join(tmpdir(), "parallax-notebook-cache-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
beforeEach(() => {
  counted.reads = 0;
  counted.parses = 0;
});

const placement = (x: number) => ({ x, y: 0, z: 0, pitch: 0, yaw: 0, roll: 0 });
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("utf8");

describe("FileNotebookStore serving from memory", () => {
  it("serves a version it wrote without reading it, and one it read without reading it again: a stat each", async () => {
    const directory = mkdtempSync(join(scratch, "serve-"));
    const store = new FileNotebookStore(directory);
    const written = await run(store.put("a.ipynb", versionedNotebook(1)));
    for (let i = 0; i < 3; i++) {
      const served = await run(store.readBytes("a.ipynb"));
      expect(served.version).toBe(written.version);
      expect(text(served.bytes)).toBe(text(serializeNotebook(versionedNotebook(1))));
    }
    expect(counted.reads).toBe(0);

    // Another store instance (another process) reads it once, then serves it from memory.
    const other = new FileNotebookStore(directory);
    for (let i = 0; i < 3; i++) expect((await run(other.readBytes("a.ipynb"))).version).toBe(written.version);
    expect(counted.reads).toBe(1);
    expect(counted.parses).toBe(0);
  });

  it("serves the new bytes once another process replaced the file, renamed over it or rewritten in place", async () => {
    const directory = mkdtempSync(join(scratch, "replaced-"));
    const store = new FileNotebookStore(directory);
    const path = join(directory, "r.ipynb");
    await run(store.put("r.ipynb", versionedNotebook(1)));
    const first = await run(store.readBytes("r.ipynb"));

    // Atomically, as JupyterLab and the other store instances write: a new inode.
    writeFileSync(`${path}.tmp`, serializeNotebook(versionedNotebook(2)));
    renameSync(`${path}.tmp`, path);
    const renamed = await run(store.readBytes("r.ipynb"));
    expect(renamed.version).not.toBe(first.version);
    expect(text(renamed.bytes)).toBe(text(serializeNotebook(versionedNotebook(2))));
    expect((await run(store.get("r.ipynb"))).notebook.metadata["version"]).toBe(2);

    // In place (same inode): a new size and mtime.
    const inode = statSync(path).ino;
    const rewritten = serializeNotebook({ ...versionedNotebook(3), metadata: { version: 3, note: "rewritten in place" } });
    writeFileSync(path, rewritten);
    expect(statSync(path).ino).toBe(inode);
    expect(text((await run(store.readBytes("r.ipynb"))).bytes)).toBe(text(rewritten));
    expect((await run(store.get("r.ipynb"))).notebook.metadata["note"]).toBe("rewritten in place");

    rmSync(path);
    expect(JSON.stringify(await Effect.runPromiseExit(store.readBytes("r.ipynb")))).toMatch(/NotFound/);
  });

  it("a group commit starts from the document it wrote last: no read, no parse", async () => {
    const directory = mkdtempSync(join(scratch, "commit-"));
    const store = new FileNotebookStore(directory);
    await run(store.put("g.ipynb", versionedNotebook(1)));
    for (let i = 0; i < 5; i++) {
      await run(updateNotebook(store, "g.ipynb", (notebook) => Effect.succeed({ notebook: placeCell(notebook, i, placement(i))!, result: undefined })));
    }
    expect(counted.reads).toBe(0);
    expect(counted.parses).toBe(0);
    const stored = await run(store.get("g.ipynb"));
    expect(stored.notebook.cells.slice(0, 5).map((cell) => (cell.metadata["spatial"] as { x: number }).x)).toEqual([0, 1, 2, 3, 4]);
    // What is served is what a read of the file gives.
    const fresh = new FileNotebookStore(directory);
    expect(text((await run(fresh.readBytes("g.ipynb"))).bytes)).toBe(text((await run(store.readBytes("g.ipynb"))).bytes));
  });

  it("hands out copies: what a caller does to its document, or to the one it wrote, never reaches the next reader", async () => {
    const store = new FileNotebookStore(mkdtempSync(join(scratch, "copies-")));
    const mine: Notebook = versionedNotebook(1);
    await run(store.put("c.ipynb", mine));
    mine.metadata["changed after the write"] = true;
    const first = await run(store.get("c.ipynb"));
    first.notebook.cells[0]!.metadata["scribbled"] = true;
    const second = await run(store.get("c.ipynb"));
    expect(second.notebook.metadata).not.toHaveProperty("changed after the write");
    expect(second.notebook.cells[0]!.metadata).not.toHaveProperty("scribbled");
    expect(second.notebook).toEqual(versionedNotebook(1));
  });

  it("a notebook over the budget is still served, read from its file each time", async () => {
    const store = new FileNotebookStore(mkdtempSync(join(scratch, "budget-")), { cacheBytes: 1024 });
    await run(store.put("big.ipynb", versionedNotebook(1)));
    for (let i = 0; i < 2; i++) expect(text((await run(store.readBytes("big.ipynb"))).bytes)).toBe(text(serializeNotebook(versionedNotebook(1))));
    expect(counted.reads).toBe(2);
  });
});

describe("NotebookCache", () => {
  const entry = (version: string, size: number, parsed = false) => ({
    version,
    bytes: Buffer.alloc(size),
    metadata: {},
    ...(parsed ? { notebook: versionedNotebook(0) } : {}),
  });

  it("answers only for the version an entry was made from", () => {
    const cache = new NotebookCache(1000);
    cache.set("a", entry("v1", 10));
    expect(cache.get("a", "v1")?.version).toBe("v1");
    expect(cache.get("a", "v2")).toBeUndefined();
  });

  it("stays within its budget, the least recently used going first; a parsed document counts twice", () => {
    const cache = new NotebookCache(100);
    cache.set("a", entry("1", 40));
    cache.set("b", entry("1", 40));
    cache.get("a", "1");
    cache.set("c", entry("1", 40));
    expect(cache.get("b", "1")).toBeUndefined();
    expect(cache.get("a", "1")).toBeDefined();
    expect(cache.heldBytes()).toBe(80);
    cache.set("d", entry("1", 30, true));
    expect(cache.heldBytes()).toBeLessThanOrEqual(100);
    expect(cache.get("d", "1")).toBeDefined();
    expect(cache.keeps(50)).toBe(true);
    expect(cache.keeps(51)).toBe(false);
    cache.set("huge", entry("1", 101));
    expect(cache.get("huge", "1")).toBeUndefined();
    cache.delete("d");
    cache.delete("a");
    cache.delete("c");
    expect(cache.heldBytes()).toBe(0);
  });
});
