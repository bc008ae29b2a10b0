import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnHost, type HostProcess } from "../host/host-process.testkit.js";
import { NotebookSocketClient, notebookWithCell } from "./reactive-test-client.testkit.js";
import { KERNEL_USER_FOR_TESTS, RUNAWAY_CELLS, processLimitHolds, runOverSocket, runRunawaysSampled, sandboxedHostEnv } from "./runaway-cells.testkit.js";

const hasPython = spawnSync("python3", ["--version"]).status === 0;
if (!hasPython) console.warn("reactive sandbox e2e skipped: python3 not found");

/** Variables a host holds and no kernel may see. */
const HOST_SECRETS = { AWS_SECRET_ACCESS_KEY: "host-aws-secret-e2e", LLM_API_KEY: "host-llm-key-e2e", PARALLAX_DEPLOY_TOKEN: "host-token-e2e" };

async function runCell(host: HostProcess, type: "python" | "javascript", code: string) {
  const { notebookId, cellId } = await notebookWithCell(host.url, type, code);
  const client = await NotebookSocketClient.connect(host.url, notebookId);
  try {
    return await runOverSocket(client, cellId);
  } finally {
    await client.close();
  }
}

describe.skipIf(!hasPython)("sandboxed execution on a real host", () => {
  let host: HostProcess;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "parallax-sandbox-e2e-"));
    host = await spawnHost({ ...HOST_SECRETS, ...sandboxedHostEnv(dataDir) });
  });
  afterAll(async () => {
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // The latency is printed, not bounded here (a parallel test file can starve any host on a
  // shared machine); `npm run bench -- sandbox` reports it against the 100 ms.
  it("cells that allocate, fork or loop without bound are each stopped with a clear cell_error, /health answers throughout, and each notebook runs again", async () => {
    expect(await processLimitHolds(host)).toBe(true);
    const { outcomes, health } = await runRunawaysSampled(host);
    const max = health.healthMs.at(-1)!;
    const p99 = health.healthMs[Math.ceil(health.healthMs.length * 0.99) - 1]!;
    console.log(`sandbox runaways: /health max ${max.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms over ${health.healthMs.length} requests; load average ${loadavg().map((load) => load.toFixed(2)).join(" ")}`);
    expect(health.healthMs.length).toBeGreaterThan(RUNAWAY_CELLS.length);
    for (const [index, cell] of RUNAWAY_CELLS.entries()) {
      const outcome = outcomes[index]!;
      expect({ name: outcome.name, status: outcome.status }).toEqual({ name: cell.name, status: "error" });
      expect(outcome.error, cell.name).toMatch(cell.error);
      expect(outcome.afterStatus, `${cell.name}: the notebook runs again`).toBe("success");
      if (cell.type !== "sql") expect(outcome.afterStdout, cell.name).toMatch(/^still here/);
    }
  }, 300_000);

  it("a JavaScript heap runaway grows its kernel's process, not the host's, and /health answers 200 throughout", async () => {
    const heapRunaway = RUNAWAY_CELLS.find((cell) => cell.name === "JavaScript allocates without bound")!;
    const { outcomes, health } = await runRunawaysSampled(host, [heapRunaway]);
    expect(outcomes[0]).toMatchObject({ status: "error", afterStatus: "success" });
    expect(health.healthMs.length).toBeGreaterThan(0);
    // The runaway fills a 384 MB heap (KERNEL_MEMORY_MB): in a worker thread it was the host's own memory.
    const grownMb = (health.peakBytes - health.baselineBytes) / 2 ** 20;
    console.log(`JavaScript heap runaway: host RSS grew ${grownMb.toFixed(1)} MB; /health max ${health.healthMs.at(-1)!.toFixed(1)} ms over ${health.healthMs.length} requests`);
    expect(grownMb).toBeLessThan(128);
  }, 120_000);

  it("a cell printing its environment shows none of the host's secret variables (Python, and JavaScript reaching its kernel's `process`, which is not the host's)", async () => {
    const python = await runCell(host, "python", "import os\nprint(dict(os.environ))");
    const javascript = await runCell(host, "javascript", 'const proc = console.log.constructor.constructor("return process")();\nconsole.log(proc.pid, JSON.stringify(proc.env))');
    expect(Number(javascript.stdout.split(" ")[0])).not.toBe(host.child.pid);
    for (const run of [python, javascript]) {
      expect(run.status).toBe("success");
      expect(run.stdout).toContain("PATH");
      for (const [name, value] of Object.entries(HOST_SECRETS)) {
        expect(run.stdout).not.toContain(name);
        expect(run.stdout).not.toContain(value);
      }
    }
  }, 120_000);
});

const kernelUid = KERNEL_USER_FOR_TESTS["KERNEL_USER"]?.split(":").map(Number);
const bwrapWorks =
  spawnSync("bwrap", ["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--unshare-pid", "--", "true"], { timeout: 10_000, ...(kernelUid && { uid: kernelUid[0], gid: kernelUid[1] }) }).status === 0;
if (hasPython && !bwrapWorks) console.warn("KERNEL_WRAPPER e2e skipped: bwrap (bubblewrap) is not installed or cannot make namespaces here");

describe.skipIf(!hasPython || !bwrapWorks)("KERNEL_WRAPPER=bwrap on a real host", () => {
  let host: HostProcess;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "parallax-sandbox-bwrap-"));
    const kernels = join(dataDir, "kernels");
    // Every notebook's directory is hidden under a tmpfs, then the kernel's own is bound back.
    const wrapper = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", kernels, "--bind", "{workdir}", "{workdir}", "--unshare-pid", "--die-with-parent", "--"];
    host = await spawnHost(sandboxedHostEnv(dataDir, { KERNEL_WRAPPER: JSON.stringify(wrapper) }));
  });
  afterAll(async () => {
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("a cell cannot read another notebook's working directory, and still uses its own", async () => {
    const writer = await runCell(host, "python", "import os\nopen('private.txt', 'w').write('notebook A only')\nprint(os.getcwd())");
    expect(writer.status).toBe("success");
    const elsewhere = JSON.stringify(join(writer.stdout.trim(), "private.txt"));
    const reader = await runCell(host, "python", `open('mine.txt', 'w').write('B')\nprint(open('mine.txt').read())\nprint(open(${elsewhere}).read())`);
    expect(reader.stdout.startsWith("B\n")).toBe(true);
    expect(reader.status).toBe("error");
    expect(reader.error).toMatch(/^FileNotFoundError/);
    const fs = 'const fs = console.log.constructor.constructor("return process")().getBuiltinModule("node:fs");';
    const javascript = await runCell(host, "javascript", `${fs}\nfs.writeFileSync("mine.txt", "C");\nconsole.log(fs.readFileSync("mine.txt", "utf8"));\nfs.readFileSync(${elsewhere}, "utf8")`);
    expect(javascript.stdout.startsWith("C\n")).toBe(true);
    expect(javascript.status).toBe("error");
    expect(javascript.error).toMatch(/^Error: ENOENT/);
  }, 120_000);
});
