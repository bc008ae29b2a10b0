import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnHost, type HostProcess } from "../host/host-process.testkit.js";

describe("two host processes sharing one DATA_DIR", () => {
  let dataDir: string;
  let hosts: HostProcess[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "parallax-two-hosts-"));
    hosts = await Promise.all([spawnHost({ DATA_DIR: dataDir }), spawnHost({ DATA_DIR: dataDir })]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(hosts.map((host) => host.stop("SIGKILL")));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("50 concurrent placements split across both hosts all survive", async () => {
    const cells = Array.from({ length: 50 }, (_, i) => ({ id: `c${i}`, cell_type: "code", metadata: {}, source: `v${i} = ${i}`, execution_count: null, outputs: [] }));
    const form = new FormData();
    form.append("file", new Blob([JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells })]), "shared.ipynb");
    expect((await fetch(`${hosts[0]!.url}/convert/shared`, { method: "POST", body: form })).status).toBe(200);

    const responses = await Promise.all(
      cells.map((_, i) =>
        fetch(`${hosts[i % 2]!.url}/notebooks/shared.ipynb/cells/${i}/spatial`, {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ x: i, y: 0, z: 0, pitch: 0, yaw: 0, roll: 0 }),
        }),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(cells.map(() => 200));
    for (const host of hosts) {
      const stored = (await (await fetch(`${host.url}/notebooks/shared.ipynb`)).json()) as { cells: Array<{ metadata: { spatial?: { x: number } } }> };
      expect(stored.cells.map((cell) => cell.metadata.spatial?.x)).toEqual(cells.map((_, i) => i));
    }
  });

  it("SIGTERM drains and exits 0", async () => {
    const codes = await Promise.all(hosts.map((host) => host.stop("SIGTERM")));
    expect(codes).toEqual([0, 0]);
  });
});
