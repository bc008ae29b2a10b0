import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Host } from "../host/host.js";
import { startTestHost } from "../host/test-host.testkit.js";
import { NotebookSocketClient, okJson as json } from "./reactive-test-client.testkit.js";

const hasPython = spawnSync("python3", ["--version"]).status === 0;
if (!hasPython) console.warn("reactive persistence e2e: python3 not found, skipped");

const start = (dataDir: string) =>
  startTestHost({ DATA_DIR: dataDir, STORAGE: "file", CELL_TIMEOUT_S: 10 });

describe.skipIf(!hasPython)("reactive notebooks in the file store, across a restart", () => {
  let dataDir: string;
  let host: Host | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), "parallax-reactive-file-"));
  });
  afterAll(async () => {
    await host?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("stores nbformat 4.5 that §A serves, and a restarted host shows the same cells", async () => {
    host = await start(dataDir);
    const id = String((await json(host, "POST", "/api/v1/notebooks/"))["notebook_id"]);
    const first = ((await json(host, "GET", `/api/v1/notebooks/${id}`))["cells"] as Array<{ id: string }>)[0]!;
    await json(host, "PUT", `/api/v1/notebooks/${id}/cells/${first.id}`, { code: "x = 6 * 7" });
    const second = String((await json(host, "POST", `/api/v1/notebooks/${id}/cells`, { type: "python", after_cell_id: first.id }))["cell_id"]);
    await json(host, "PUT", `/api/v1/notebooks/${id}/cells/${second}`, { code: "print(x)" });
    await json(host, "PUT", `/api/v1/notebooks/${id}/name`, { name: "Persisted" });

    const client = await NotebookSocketClient.connect(host.url(), id);
    client.send({ type: "run_cell", cellId: first.id });
    expect(await client.finalStatus(second)).toBe("success");
    await client.close();
    const before = await json(host, "GET", `/api/v1/notebooks/${id}`);
    await host.close();
    host = undefined;

    host = await start(dataDir);
    const document = await json(host, "GET", `/notebooks/${id}.ipynb`);
    expect(document).toMatchObject({ nbformat: 4, nbformat_minor: 5, metadata: { parallax: { name: "Persisted" } } });
    const cells = document["cells"] as Array<Record<string, unknown>>;
    expect(cells.map((cell) => cell["id"])).toEqual([first.id, second]);
    expect(cells[1]).toMatchObject({
      cell_type: "code",
      source: "print(x)",
      metadata: { parallax: { language: "python", status: "success", reads: ["x"], writes: [] } },
      outputs: [{ output_type: "stream", name: "stdout", text: "42\n" }],
    });

    // The restarted host's kernel is empty: the cells show their last outputs, but idle.
    const after = await json(host, "GET", `/api/v1/notebooks/${id}`);
    const idle = (before["cells"] as Array<Record<string, unknown>>).map((cell) => ({ ...cell, status: "idle" }));
    expect(after).toEqual({ ...before, cells: idle });
    expect(after).toMatchObject({ name: "Persisted", cells: [{ status: "idle" }, { status: "idle", stdout: "42\n" }] });
    expect(((await json(host, "GET", "/api/v1/notebooks"))["notebooks"] as Array<{ id: string }>).map((n) => n.id)).toContain(id);
  });
});
