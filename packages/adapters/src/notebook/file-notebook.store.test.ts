import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Effect, Exit } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { updateNotebook } from "@parallax/application/notebook";
import { versionedNotebook } from "./versioned-notebook.testkit.js";
import { FileNotebookStore } from "./file-notebook.store.js";

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);

describe("FileNotebookStore", () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), "parallax-file-store-"));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it("two store instances (as two processes would) never lose an update", async () => {
    const path = join(directory, "shared");
    const stores = [new FileNotebookStore(path), new FileNotebookStore(path)];
    await run(stores[0]!.put("c.ipynb", versionedNotebook(0)));
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        run(
          updateNotebook(stores[i % 2]!, "c.ipynb", (notebook) => {
            notebook.cells[i]!.metadata["touched"] = i;
            return Effect.succeed({ notebook, result: undefined });
          }),
        ),
      ),
    );
    const final = await run(stores[0]!.get("c.ipynb"));
    expect(final.notebook.cells.slice(0, 40).map((cell) => cell.metadata["touched"])).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});

describe("FileNotebookStore listing", () => {
  const scratch = mkdtempSync(join(tmpdir(), "parallax-file-listing-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("reads a notebook again only when its version (inode, mtime, size) changed", async () => {
    const directory = join(scratch, "cache");
    const store = new FileNotebookStore(directory);
    await run(store.put("big.ipynb", { ...versionedNotebook(1), metadata: { parallax: { name: "Before" } } }));
    const path = join(directory, "big.ipynb");
    // A whole-second mtime can be put back exactly, so the file can change without its version changing.
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    const titles = async () => (await run(store.listSummaries())).map((summary) => summary.metadata["parallax"]);
    expect(await titles()).toEqual([{ name: "Before" }]);

    // Same inode, same size, same mtime: a listing that parsed the file would see "Sooner".
    writeFileSync(path, readFileSync(path, "utf8").replace('"Before"', '"Sooner"'), { flag: "r+" });
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    expect(await titles()).toEqual([{ name: "Before" }]);

    // Any real change is a new version, and is read.
    utimesSync(path, 1_700_000_001, 1_700_000_001);
    expect(await titles()).toEqual([{ name: "Sooner" }]);
    await run(store.put("big.ipynb", { ...versionedNotebook(2), metadata: { parallax: { name: "After" } } }));
    expect(await titles()).toEqual([{ name: "After" }]);
  });

  it("a stored file that is not JSON lists with empty metadata instead of failing the listing", async () => {
    const directory = join(scratch, "broken");
    const store = new FileNotebookStore(directory);
    await run(store.put("good.ipynb", versionedNotebook(1)));
    writeFileSync(join(directory, "torn.ipynb"), '{"cells": [');
    expect(await run(store.listSummaries())).toEqual([
      { name: "good.ipynb", metadata: { version: 1 } },
      { name: "torn.ipynb", metadata: {} },
    ]);
  });
});

describe("FileNotebookStore reading back", () => {
  const scratch = mkdtempSync(join(tmpdir(), "parallax-file-damaged-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("a stored file that is not a notebook is a StorageFailure naming the file, with the reason; its neighbours still read", async () => {
    const store = new FileNotebookStore(scratch);
    await run(store.put("good.ipynb", versionedNotebook(1)));
    writeFileSync(join(scratch, "torn.ipynb"), '{"cells": [');
    writeFileSync(join(scratch, "edited.ipynb"), JSON.stringify({ ...versionedNotebook(2), cells: [{ id: "a", cell_type: "code", metadata: {} }] }));
    const failureOf = async (name: string) => {
      const exit = await Effect.runPromiseExit(store.get(name));
      if (Exit.isSuccess(exit)) throw new Error(`${name} was read`);
      return String(exit.cause);
    };
    expect(await failureOf("torn.ipynb")).toMatch(new RegExp(`StorageFailure.*${join(scratch, "torn.ipynb")} is damaged: not JSON`));
    expect(await failureOf("edited.ipynb")).toMatch(/edited\.ipynb is damaged: cells\[0\]\.source: is required/);
    expect((await run(store.get("good.ipynb"))).notebook.metadata).toEqual({ version: 1 });
  });
});

describe("FileNotebookStore start", () => {
  const scratch = mkdtempSync(join(tmpdir(), "parallax-file-orphans-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("removes the temp and lock files of dead writers, and stale ones, but not a live writer's", async () => {
    const directory = join(scratch, "notebooks");
    mkdirSync(directory);
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    const live = process.pid;
    const files = {
      deadTemp: `.a.ipynb.${dead}.0123abcd.tmp`,
      liveTemp: `.b.ipynb.${live}.89abcdef.tmp`,
      staleTemp: `.c.ipynb.${live}.deadbeef.tmp`,
      deadLock: "a.ipynb.lock",
      liveLock: "b.ipynb.lock",
      staleLock: "c.ipynb.lock",
      notebook: "a.ipynb",
      unrelated: "notes.txt",
    };
    for (const file of Object.values(files)) writeFileSync(join(directory, file), "");
    writeFileSync(join(directory, files.deadLock), `${dead} ${Date.now()}\n`);
    writeFileSync(join(directory, files.liveLock), `${live} ${Date.now()}\n`);
    writeFileSync(join(directory, files.staleLock), `${live} ${Date.now()}\n`);
    writeFileSync(join(directory, files.notebook), JSON.stringify(versionedNotebook(1)));
    const longAgo = (Date.now() - 10 * 60_000) / 1000;
    utimesSync(join(directory, files.staleTemp), longAgo, longAgo);
    utimesSync(join(directory, files.staleLock), longAgo, longAgo);

    const store = new FileNotebookStore(directory);
    expect(await run(store.list())).toEqual(["a.ipynb"]);
    expect(readdirSync(directory).sort()).toEqual([files.liveTemp, files.liveLock, files.notebook, files.unrelated].sort());
  });
});

describe("crash safety", () => {
  let scratch: string;
  let writer: string;
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "parallax-crash-"));
    writer = join(scratch, "writer.mjs");
    // One bundle, so each of the 200 children starts in tens of milliseconds.
    await build({
      entryPoints: [fileURLToPath(new URL("./crash-writer.testkit.ts", import.meta.url))],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      conditions: ["source"],
      outfile: writer,
      logLevel: "silent",
    });
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("a writer SIGKILLed at 200 random moments always leaves a whole version", { timeout: 180_000 }, async () => {
    const directory = join(scratch, "data");
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    let lastVersion = 0;
    for (let round = 0; round < 200; round++) {
      const child = spawn(process.execPath, [writer, directory, String(lastVersion)], { stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      await new Promise<void>((resolve, reject) => {
        child.stdout.once("data", () => resolve());
        child.once("exit", (code) => reject(new Error(`writer exited early (${code}): ${stderr}`)));
      });
      await new Promise((resolve) => setTimeout(resolve, random() * 20));
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
      const path = join(directory, "crash.ipynb");
      if (!existsSync(path)) continue;
      const document = JSON.parse(readFileSync(path, "utf8"));
      const version = document.metadata.version as number;
      expect(document).toEqual(JSON.parse(JSON.stringify(versionedNotebook(version))));
      expect(version).toBeGreaterThan(lastVersion);
      lastVersion = version;
    }
    expect(lastVersion).toBeGreaterThanOrEqual(200);
    // Killed writers leave temp files and lock files behind; neither is ever listed as a notebook,
    // and a store starting on the directory removes them. (A lock whose holder was killed before
    // writing its pid looks like one being written, and is left for a second.)
    const store = new FileNotebookStore(directory);
    expect(await run(store.list())).toEqual(["crash.ipynb"]);
    const left = readdirSync(directory).filter((file) => file !== "crash.ipynb");
    expect(left.filter((file) => file !== "crash.ipynb.lock" || readFileSync(join(directory, file), "utf8") !== "")).toEqual([]);
  });
});
