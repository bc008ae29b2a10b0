import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { spawnHost, type HostProcess } from "../host/host-process.testkit.js";

const notebook = (source: string) => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: [{ id: "c0", cell_type: "code", metadata: {}, source, execution_count: null, outputs: [] }],
});
const placement = { x: 1, y: 2, z: 3, pitch: 0, yaw: 0, roll: 0 };

/**
 * A notebook damaged on disk (torn by another tool, edited by hand) is found when it is read: the
 * request that needs it answers a 500 in its API's shape, the log names the file and the reason,
 * and the process goes on serving every other notebook. A real process, so a crash would show.
 */
describe("a damaged notebook file (§A and §B)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "parallax-damaged-"));
  let host: HostProcess;

  beforeAll(async () => {
    const notebooks = join(dataDir, "notebooks");
    mkdirSync(notebooks, { recursive: true });
    writeFileSync(join(notebooks, "torn.ipynb"), '{"nbformat": 4, "cells": [');
    writeFileSync(join(notebooks, "edited.ipynb"), JSON.stringify({ ...notebook("x = 1"), cells: [{ id: "c0", cell_type: "code", metadata: {} }] }));
    writeFileSync(join(notebooks, "sound.ipynb"), JSON.stringify(notebook("y = 2")));
    host = await spawnHost({ DATA_DIR: dataDir, STORAGE: "file", AUTH: "none" });
  });

  afterAll(async () => {
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const put = (path: string) =>
    fetch(`${host.url}${path}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(placement) });

  it("answers 500 in the API's error shape, logs the file and the reason, and serves the other notebooks", async () => {
    const torn = await put("/notebooks/torn.ipynb/cells/0/spatial");
    expect(torn.status).toBe(500);
    expect(await torn.json()).toEqual({ error: "Internal server error" });
    const edited = await fetch(`${host.url}/api/v1/notebooks/edited`);
    expect(edited.status).toBe(500);
    expect(await edited.json()).toEqual({ detail: "Internal server error" });

    // The log line crosses a pipe: it may arrive after the response did.
    await vi.waitFor(() => {
      expect(host.output()).toMatch(/torn\.ipynb is damaged: not JSON/);
      expect(host.output()).toMatch(/edited\.ipynb is damaged: cells\[0\]\.source: is required/);
    });
    expect(host.child.exitCode).toBeNull();

    expect((await put("/notebooks/sound.ipynb/cells/0/spatial")).status).toBe(200);
    const sound = (await (await fetch(`${host.url}/notebooks/sound.ipynb`)).json()) as { cells: Array<{ metadata: { spatial: unknown } }> };
    expect(sound.cells[0]!.metadata.spatial).toEqual(placement);
    expect((await fetch(`${host.url}/notebooks`)).status).toBe(200);
  });
});
