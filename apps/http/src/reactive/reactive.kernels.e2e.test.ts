import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processAlive as alive } from "@parallax/adapters/shared";
import { spawnHost, type HostProcess } from "../host/host-process.testkit.js";
import { NotebookSocketClient, notebookWithCell } from "./reactive-test-client.testkit.js";

const hasPython = spawnSync("python3", ["--version"]).status === 0;
if (!hasPython) console.warn("reactive kernels e2e skipped: python3 not found");

/** Live python processes whose parent is `parent` (the host's kernels). */
function pythonChildren(parent: number): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return Number(fields[1]) === parent && fields[0] !== "Z" && /\(python/.test(stat);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe.skipIf(!hasPython)("kernel cap and fork cleanup over HTTP + WebSocket", () => {
  let host: HostProcess;
  let dataDir: string;
  const clients: NotebookSocketClient[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "parallax-kernels-"));
    host = await spawnHost({ DATA_DIR: dataDir, STORAGE: "memory", MAX_KERNELS: "4" });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await host?.stop("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Opens the notebook in a watching client and runs its cell; the cell's one output. */
  async function open(code: string): Promise<string> {
    const { notebookId, cellId } = await notebookWithCell(host.url, "python", code);
    const client = await NotebookSocketClient.connect(host.url, notebookId);
    clients.push(client);
    const from = client.messages.length;
    client.send({ type: "run_cell", cellId });
    expect(await client.finalStatus(cellId, from)).toBe("success");
    const output = client.events(from).find((event) => event["type"] === "cell_output")!;
    return String((output["output"] as { data: unknown }).data);
  }

  it("with MAX_KERNELS=4, running cells in 10 notebooks leaves at most 4 python kernels", async () => {
    const kernels: number[] = [];
    for (let i = 0; i < 10; i++) kernels.push(Number(await open("import os\nos.getpid()")));
    expect(new Set(kernels).size).toBe(10);
    const live = kernels.filter(alive);
    console.log(`kernel cap: ${live.length} of 10 kernels alive, the host has ${pythonChildren(host.child.pid!).length} python children`);
    expect(live).toEqual(kernels.slice(-4));
    expect(pythonChildren(host.child.pid!).length).toBeLessThanOrEqual(4);
  });

  it("a graceful stop ends every kernel and every process a cell forked", async () => {
    const forked = await open(
      "import os, subprocess, time\nchild = subprocess.Popen(['sleep', '100'])\nforked = os.fork()\nif forked == 0:\n    time.sleep(100)\n    os._exit(0)\n(child.pid, forked, os.getpid())",
    );
    const pids = forked.replace(/[()]/g, "").split(",").map(Number);
    expect(pids).toHaveLength(3);
    expect(pids.every(alive)).toBe(true);
    const kernels = pythonChildren(host.child.pid!);
    expect(await host.stop("SIGTERM")).toBe(0);
    expect([...pids, ...kernels].filter(alive)).toEqual([]);
  });
});
