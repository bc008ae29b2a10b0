/**
 * The host's responsiveness while sandboxed cells run away (issue 10, item 4): a host in its own
 * process runs the runaway cells of `runaway-cells.testkit.ts` one after another (Python memory,
 * fork bomb and endless loop; JavaScript loop and heap; endless SQL) with CELL_TIMEOUT_SECONDS=3,
 * `/health` sampled every 10 ms; first the same sampling for a few seconds with nothing running,
 * so the figure can be told apart from the machine's own load. The bound: answers within
 * 100 ms. A benchmark figure, not a test assertion: other work on a shared machine moves it.
 *
 *   npm run bench -- sandbox
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { sampleHost, spawnHost } from "../apps/http/src/host/host-process.testkit.js";
import { RUNAWAY_CELLS, processLimitHolds, runRunawaysSampled, sandboxedHostEnv, type RunawayOutcome } from "../apps/http/src/reactive/runaway-cells.testkit.js";
import { emit, percentile, round } from "./support.js";

const IDLE_MS = 3_000;

export async function main(): Promise<void> {
  if (spawnSync("python3", ["--version"]).status !== 0) {
    process.stderr.write("sandbox: python3 not found\n");
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), "parallax-bench-sandbox-"));
  const host = await spawnHost(sandboxedHostEnv(dataDir));
  try {
    if (!(await processLimitHolds(host))) {
      process.stderr.write("sandbox: the kernel's process limit does not hold here (a root host without KERNEL_USER?); no fork bomb is run without it\n");
      return;
    }
    const idleSampling = sampleHost(host);
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const idle = (await idleSampling.stop()).healthMs;
    const loadBefore = loadavg()[0]!;
    // One sampling per cell, so a slow /health can be traced to the cell running then.
    const cells: Array<RunawayOutcome & { healthMs: number[] }> = [];
    for (const cell of RUNAWAY_CELLS) {
      const { outcomes, health } = await runRunawaysSampled(host, [cell]);
      cells.push({ ...outcomes[0]!, healthMs: health.healthMs });
    }
    const busy = cells.flatMap((cell) => cell.healthMs).sort((a, b) => a - b);
    emit("sandbox-runaways", {
      cells: cells.map((cell) => ({
        name: cell.name,
        status: cell.status,
        recovered: cell.afterStatus === "success",
        error: cell.error.split("\n")[0]!.slice(0, 160),
        health_p99_ms: round(percentile(cell.healthMs, 99), 1),
        health_max_ms: round(cell.healthMs.at(-1)!, 1),
      })),
      health_requests: busy.length,
      health_p50_ms: round(percentile(busy, 50), 1),
      health_p99_ms: round(percentile(busy, 99), 1),
      health_max_ms: round(busy.at(-1)!, 1),
      idle_health_p99_ms: round(percentile(idle, 99), 1),
      idle_health_max_ms: round(idle.at(-1)!, 1),
      bound_ms: 100,
      within_bound: busy.at(-1)! < 100,
      load_average_1m: { before: round(loadBefore, 2), after: round(loadavg()[0]!, 2) },
    });
  } finally {
    await host.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
