import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Effect, Exit } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { updateNotebook } from "@parallax/application/notebook";
import { versionedNotebook } from "./crash-writer.versions.js";
import { FileNotebookStore } from "./file-notebook.store.js";

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);

describe("FileNotebookStore", () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), "parallax-file-store-"));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it("puts, gets, lists and deletes; versions change on every write", async () => {
    const store = new FileNotebookStore(join(directory, "basic"));
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
    const store = new FileNotebookStore(join(directory, "cas"));
    const v1 = await run(store.put("b.ipynb", versionedNotebook(1), null));
    await run(store.put("b.ipynb", versionedNotebook(2), v1.version));
    const stale = await Effect.runPromiseExit(store.put("b.ipynb", versionedNotebook(3), v1.version));
    expect(Exit.isFailure(stale) && JSON.stringify(stale.cause)).toMatch(/Conflict/);
    const exists = await Effect.runPromiseExit(store.put("b.ipynb", versionedNotebook(4), null));
    expect(Exit.isFailure(exists) && JSON.stringify(exists.cause)).toMatch(/already exists/);
    expect((await run(store.get("b.ipynb"))).notebook.metadata["version"]).toBe(2);
  });

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

describe("crash safety", () => {
  let scratch: string;
  let writer: string;
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "parallax-crash-"));
    writer = join(scratch, "writer.mjs");
    // One bundle, so each of the 200 children starts in tens of milliseconds.
    await build({
      entryPoints: [fileURLToPath(new URL("./crash-writer.fixture.ts", import.meta.url))],
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
    // Killed writers leave temp files and lock files behind; neither is ever listed as a notebook.
    const store = new FileNotebookStore(directory);
    expect(await run(store.list())).toEqual(["crash.ipynb"]);
    expect(readdirSync(directory).filter((file) => file.endsWith(".ipynb"))).toEqual(["crash.ipynb"]);
  });
});
