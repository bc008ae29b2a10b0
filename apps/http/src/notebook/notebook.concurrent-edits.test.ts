import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { http } from "../host/http-client.testkit.js";
import { suiteHost } from "../host/test-host.testkit.js";
import { NotebookSocketClient } from "../reactive/reactive-test-client.testkit.js";

const hasPython = spawnSync("python3", ["--version"]).status === 0;
if (!hasPython) console.warn("§A placements during §B edits: python3 not found, cells are edited but not run");

const CELLS = 60;

type Stored = { cells: Array<{ id: string; source: string | string[]; metadata: { spatial?: Record<string, number> } }> };

/**
 * A visionOS client places cells (§A) while the React editor edits and runs the same notebook
 * (§B), on one host with the file store. The reactive session writes after every edit, so
 * placements must not starve behind it (they once ended in 409 after 64 attempts) and neither
 * side may erase what the other wrote.
 */
describe("§A placements while §B edits the same notebook", () => {
  const suite = suiteHost("parallax-concurrent-edits-", { STORAGE: "file", CELL_TIMEOUT_S: 10 });


  const call = (method: string, path: string, body?: unknown) => http(suite.host.url(), method, path, body);

  it("every placement answers 200 and survives, and every edit survives", { timeout: 120_000 }, async () => {
    const id = String((await call("POST", "/api/v1/notebooks/")).body["notebook_id"]);
    const first = ((await call("GET", `/api/v1/notebooks/${id}`)).body["cells"] as Array<{ id: string }>)[0]!.id;
    const cellIds = [first];
    for (let i = 1; i < CELLS; i++) {
      const added = await call("POST", `/api/v1/notebooks/${id}/cells`, { type: "python", code: `v${i} = 0` });
      cellIds.push(String(added.body["cell_id"]));
    }
    const socket = hasPython ? await NotebookSocketClient.connect(suite.host.url(), id) : undefined;

    // The editor: four tabs typing and running without pause until the placements are done.
    let placing = true;
    const lastCode = new Map<string, string>();
    const editStatuses: number[] = [];
    const editor = async (tab: number) => {
      for (let k = 0; placing || k < 40; k++) {
        const cell = cellIds[(tab * 15 + k) % CELLS]!;
        const code = `v${cellIds.indexOf(cell)} = ${tab * 100_000 + k}`;
        const response = await call("PUT", `/api/v1/notebooks/${id}/cells/${cell}`, { code });
        editStatuses.push(response.status);
        if (response.status === 200) lastCode.set(cell, code);
        if (socket && k % 5 === 0) socket.send({ type: "run_cell", cellId: cell });
      }
    };
    const placement = (i: number) => ({ x: i, y: i / 2, z: 100 - i, pitch: 1, yaw: 2, roll: 3 });
    const placer = async (lane: number) => {
      const statuses: number[] = [];
      for (let i = lane; i < CELLS; i += 6) statuses.push((await call("PUT", `/notebooks/${id}.ipynb/cells/${i}/spatial`, placement(i))).status);
      return statuses;
    };
    const everyCell = async () => {
      const statuses: number[] = [];
      for (let round = 0; round < 5; round++) statuses.push((await call("PUT", `/notebooks/${id}.ipynb/cells/spatial`, placement(-1))).status);
      return statuses;
    };

    const editors = [0, 1, 2, 3].map(editor);
    const wholeNotebook = await everyCell();
    const perCell = (await Promise.all([0, 1, 2, 3, 4, 5].map(placer))).flat();
    placing = false;
    await Promise.all(editors);
    await socket?.close();
    await call("GET", `/api/v1/notebooks/${id}`);

    expect(wholeNotebook).toEqual([200, 200, 200, 200, 200]);
    expect(perCell).toEqual(Array.from({ length: CELLS }, () => 200));
    expect(editStatuses.every((status) => status === 200)).toBe(true);
    const stored = (await call("GET", `/notebooks/${id}.ipynb`)).body as unknown as Stored;
    expect(stored.cells.map((cell) => cell.id)).toEqual(cellIds);
    expect(stored.cells.map((cell) => cell.metadata.spatial)).toEqual(Array.from({ length: CELLS }, (_, i) => placement(i)));
    for (const [cell, code] of lastCode) {
      const source = stored.cells.find((candidate) => candidate.id === cell)!.source;
      expect(Array.isArray(source) ? source.join("") : source).toBe(code);
    }
  });
});
